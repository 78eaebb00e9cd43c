/* The call surface of the C ABI against a real cluster at $RAY_TEST_ADDRESS: remote
 * functions (by module and name, or from source) and actor classes as handles, options
 * attached to them and merged with a call's own as Python's .options(), argument lists
 * built once and reused, and the results array the caller sizes to num_returns.
 * Built and run under AddressSanitizer + UBSan (with leak detection) by tests/run-c;
 * tests/python (RC_TEST_MODULES) is the job's working_dir, so rc_test_tasks is
 * importable on the cluster. */
#define _POSIX_C_SOURCE 200809L
#include "ray_client.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *address;

/* Whether the value's JSON text is `want` (printed when it is not). */
static int json_is(const ray_client_value *v, const char *want) {
    char *json = NULL;
    if (ray_client_value_to_json(v, &json) != RAY_CLIENT_OK) return 0;
    int same = strcmp(json, want) == 0;
    if (!same) fprintf(stderr, "JSON %s, expected %s\n", json, want);
    OK(ray_client_string_free(json));
    return same;
}

/* Gets the `n` results of one call into `*out` (as ray_client_object_get_many) and frees
 * their refs. */
static ray_client_status get_results(ray_client_client *c, ray_client_object_ref **refs,
                                     size_t n, ray_client_value ***out) {
    ray_client_status rc = ray_client_object_get_many(
        c, (const ray_client_object_ref *const *)refs, n, 60000, out);
    for (size_t i = 0; i < n; i++) OK(ray_client_object_ref_free(refs[i]));
    return rc;
}

/* Whether `v` is a tuple of `n` items. */
static int is_tuple_of(const ray_client_value *v, size_t n) {
    int kind = -1;
    size_t len = 0;
    return ray_client_value_kind(v, &kind) == RAY_CLIENT_OK && kind == RAY_CLIENT_VALUE_TUPLE &&
           ray_client_value_len(v, &len) == RAY_CLIENT_OK && len == n;
}

static void test_functions(ray_client_client *c) {
    ray_client_value *x = v_int(12), *res = NULL;
    const ray_client_value *xs[1] = {x};
    ray_client_args *args = args_of(xs, 1);
    ray_client_function *square = test_function("square");
    OK(call_function_get(c, square, args, NULL, &res));
    CHECK(res != NULL && as_int(res) == 144);
    free_value(res);

    /* Positional and keyword arguments, and options. */
    ray_client_value *a = v_int(1), *b = v_int(2), *cc = v_int(30);
    ray_client_args *kw = NULL;
    OK(ray_client_args_new(&kw));
    OK(ray_client_args_push(kw, a));
    OK(ray_client_args_push(kw, b));
    OK(ray_client_args_push_kw(kw, "c", cc));
    ray_client_options *o = NULL;
    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_num_cpus(o, 0.5));
    OK(ray_client_options_set_max_retries(o, 0));
    OK(ray_client_options_set_name(o, "ffi-add"));
    OK(ray_client_options_set_scheduling_spread(o));
    OK(ray_client_options_set_json(o, "max_retries", "1")); /* any key, JSON value */
    ray_client_function *add = test_function("add");
    OK(call_function_get(c, add, kw, o, &res));
    CHECK(res != NULL && as_int(res) == 33);
    free_value(res);

    /* num_returns = 2: the results array must have room for exactly two, or nothing is
     * sent. */
    OK(ray_client_options_set_num_returns(o, 2));
    ray_client_function *pair = test_function("pair");
    ray_client_object_ref *refs[3] = {NULL, NULL, NULL};
    FAILS_WITH(ray_client_function_call(c, pair, args, o, refs, 1),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "the call returns 2 results (num_returns), but results has room for 1");
    FAILS_WITH(ray_client_function_call(c, pair, args, o, refs, 3),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "the call returns 2 results (num_returns), but results has room for 3");
    CHECK(refs[0] == NULL && refs[1] == NULL && refs[2] == NULL);
    OK(ray_client_function_call(c, pair, args, o, refs, 2));
    CHECK(refs[0] != NULL && refs[1] != NULL && refs[2] == NULL);
    ray_client_value **vals = NULL;
    OK(get_results(c, refs, 2, &vals));
    CHECK(vals != NULL && as_int(vals[0]) == 12 && as_int(vals[1]) == 13);
    OK(ray_client_value_array_free(vals));
    /* Without num_returns a call has one result. */
    FAILS_WITH(ray_client_function_call(c, pair, args, NULL, refs, 2),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "the call returns 1 result (num_returns), but results has room for 2");
    FAILS_WITH(ray_client_function_call(c, pair, args, NULL, NULL, 0),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "but results has room for 0");
    /* num_returns = 0, as Ray allows: no results, and results may be NULL. */
    ray_client_function *nop = test_function("nop");
    OK(ray_client_options_set_num_returns(o, 0));
    OK(ray_client_function_call(c, nop, NULL, o, NULL, 0));
    FAILS_WITH(ray_client_function_call(c, nop, NULL, o, refs, 1),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "the call returns 0 results (num_returns), but results has room for 1");
    OK(ray_client_options_free(o));

    /* A task that raises: the remote exception comes back. */
    ray_client_function *boom = test_function("boom");
    FAILS(call_function_get(c, boom, args, NULL, &res), RAY_CLIENT_ERROR_TASK_ERROR);
    CHECK(res == NULL);
    ray_client_error *e = NULL;
    OK(ray_client_last_error(&e));
    CHECK(strcmp(ray_client_error_kind(e), "task_error") == 0);
    CHECK(ray_client_error_cause_type(e) != NULL &&
          strstr(ray_client_error_cause_type(e), "ValueError") != NULL);
    CHECK(ray_client_error_remote_type(e) != NULL);
    CHECK(strstr(ray_client_error_message(e), "bad value 12") != NULL);
    OK(ray_client_error_free(e));

    /* From source: sent by value, called like any other function. */
    ray_client_function *triple = NULL;
    OK(ray_client_function_from_source("def triple(x):\n    return 3 * x\n", "triple", &triple));
    OK(call_function_get(c, triple, args, NULL, &res));
    CHECK(res != NULL && as_int(res) == 36);
    free_value(res);

    /* A get's timeout, a wait that finds nothing ready, and a cancel. */
    ray_client_value *secs = NULL, *val = v_int(5);
    OK(ray_client_value_float(3.0, &secs));
    const ray_client_value *sargs[2] = {secs, val};
    ray_client_args *slow_args = args_of(sargs, 2);
    ray_client_function *sleep_then = test_function("sleep_then");
    ray_client_object_ref *r = NULL;
    OK(ray_client_function_call(c, sleep_then, slow_args, NULL, &r, 1));
    FAILS(ray_client_object_get(c, r, 50, &res), RAY_CLIENT_ERROR_TIMEOUT);
    uint8_t ready[1] = {7};
    size_t nready = 9;
    const ray_client_object_ref *wr[1] = {r};
    OK(ray_client_object_wait(c, wr, 1, 1, 50, ready, &nready));
    CHECK(ready[0] == 0 && nready == 0);
    OK(ray_client_object_cancel(c, r, 1, 0));
    OK(ray_client_object_ref_free(r));

    /* Refused names, sources and arguments. */
    ray_client_function *f = NULL;
    FAILS(ray_client_function_new("rc_test_tasks", "\xff", &f), RAY_CLIENT_ERROR_INVALID_UTF8);
    FAILS(ray_client_function_new("", "square", &f), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_function_new("rc_test_tasks", "", &f), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS_WITH(ray_client_function_from_source("x", "not an identifier", &f),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "is not a Python identifier");
    CHECK(f == NULL);
    FAILS(ray_client_args_push_kw(kw, "c", NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_args_push(kw, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_options_set_runtime_env_json(NULL, "{}"), RAY_CLIENT_ERROR_NULL_ARGUMENT);

    for (ray_client_function **p = (ray_client_function *[]){square, add, pair, nop, boom,
                                                             triple, sleep_then, NULL};
         *p; p++)
        OK(ray_client_function_free(*p));
    OK(ray_client_args_free(args));
    OK(ray_client_args_free(kw));
    OK(ray_client_args_free(slow_args));
    for (ray_client_value **p = (ray_client_value *[]){x, a, b, cc, secs, val, NULL}; *p; p++)
        free_value(*p);
}

/* One argument list, read (not consumed) by each call it is passed to. */
static void test_args(ray_client_client *c) {
    ray_client_function *echo = test_function("echo");
    ray_client_value *one = v_int(1), *two = v_str("two"), *three = v_int(3), *res = NULL;
    ray_client_args *args = NULL;
    OK(ray_client_args_new(&args));
    OK(ray_client_args_push(args, one));
    OK(ray_client_args_push(args, two));
    OK(ray_client_args_push_kw(args, "x", three));
    /* The values were copied in: the caller's handles may go at once. */
    free_value(one);
    free_value(two);
    free_value(three);
    for (int i = 0; i < 2; i++) {
        OK(call_function_get(c, echo, args, NULL, &res));
        CHECK(json_is(res, "{\"args\":[1,\"two\"],\"kwargs\":{\"x\":3}}"));
        free_value(res);
    }
    /* A keyword given twice is refused, as Python refuses f(x=1, x=2); the list keeps
     * the first. Arguments pushed after a call go to the later calls. */
    ray_client_value *four = v_int(4);
    FAILS_WITH(ray_client_args_push_kw(args, "x", four), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "got multiple values for keyword argument 'x'");
    OK(ray_client_args_push_kw(args, "y", four));
    OK(call_function_get(c, echo, args, NULL, &res));
    CHECK(json_is(res, "{\"args\":[1,\"two\"],\"kwargs\":{\"x\":3,\"y\":4}}"));
    free_value(res);
    /* Cleared, the list starts again from empty; NULL is no arguments at all. */
    OK(ray_client_args_clear(args));
    OK(call_function_get(c, echo, args, NULL, &res));
    CHECK(json_is(res, "{\"args\":[],\"kwargs\":{}}"));
    free_value(res);
    OK(call_function_get(c, echo, NULL, NULL, &res));
    CHECK(json_is(res, "{\"args\":[],\"kwargs\":{}}"));
    free_value(res);
    OK(ray_client_args_push_kw(args, "x", four)); /* no longer a duplicate */
    OK(ray_client_args_push(args, four));
    OK(call_function_get(c, echo, args, NULL, &res));
    CHECK(json_is(res, "{\"args\":[4],\"kwargs\":{\"x\":4}}"));
    free_value(res);

    /* A ref among the arguments is resolved before the function runs. */
    ray_client_value *seven = v_int(7), *holder = NULL;
    ray_client_object_ref *r = NULL;
    OK(ray_client_object_put(c, seven, &r));
    OK(ray_client_value_object_ref(r, &holder));
    OK(ray_client_object_ref_free(r)); /* the list holds its own reference */
    OK(ray_client_args_clear(args));
    OK(ray_client_args_push(args, holder));
    free_value(holder);
    ray_client_function *square = test_function("square");
    OK(call_function_get(c, square, args, NULL, &res));
    CHECK(res != NULL && as_int(res) == 49);
    free_value(res);

    OK(ray_client_args_free(args));
    OK(ray_client_function_free(square));
    OK(ray_client_function_free(echo));
    free_value(four);
    free_value(seven);
}

/* The amount of resource `name` a task_resources call ran with; -1 when none. */
static double assigned(const ray_client_value *res, const char *name) {
    ray_client_value *resources = NULL, *amount = NULL;
    double x = -1;
    OK(ray_client_value_dict_get(res, "resources", &resources));
    if (resources) OK(ray_client_value_dict_get(resources, name, &amount));
    if (amount) OK(ray_client_value_get_float(amount, &x));
    OK(ray_client_value_free(amount));
    OK(ray_client_value_free(resources));
    return x;
}

/* Calls task_resources-like `f` with `options`; `cpu` and `node2` are the amounts of CPU
 * and of the second node's rc_node2 it should run with. */
static void check_resources(ray_client_client *c, const ray_client_function *f,
                            const ray_client_options *options, double cpu, double node2) {
    ray_client_value *res = NULL;
    OK(call_function_get(c, f, NULL, options, &res));
    if (res == NULL) return;
    CHECK(assigned(res, "CPU") == cpu);
    CHECK(assigned(res, "rc_node2") == node2);
    free_value(res);
}

/* Options attached with _with_options, and a call's own set over them as Python's
 * f.options(...) on a function declared with options. */
static void test_merged_options(ray_client_client *c) {
    ray_client_function *plain = test_function("task_resources"), *half = NULL;
    ray_client_options *attached = NULL, *per_call = NULL;
    OK(ray_client_options_new(&attached));
    OK(ray_client_options_set_num_cpus(attached, 0.5));
    OK(ray_client_function_with_options(plain, attached, &half));
    /* Copied: a later change to the options handle does not reach the function. */
    OK(ray_client_options_set_num_cpus(attached, 2));
    OK(ray_client_options_free(attached));
    check_resources(c, half, NULL, 0.5, -1);
    /* A key of the call's own is added; a key both give is the call's. */
    OK(ray_client_options_new(&per_call));
    OK(ray_client_options_set_resource(per_call, "rc_node2", 1));
    check_resources(c, half, per_call, 0.5, 1);
    OK(ray_client_options_set_num_cpus(per_call, 0.25));
    check_resources(c, half, per_call, 0.25, 1);
    /* Neither changed the attached options, nor the function they were attached to. */
    check_resources(c, half, NULL, 0.5, -1);
    check_resources(c, plain, NULL, 1, -1);
    OK(ray_client_options_free(per_call));

    /* An attached num_returns sizes the results until a call's options set another. */
    ray_client_function *pair = test_function("pair"), *pair2 = NULL;
    OK(ray_client_options_new(&attached));
    OK(ray_client_options_set_num_returns(attached, 2));
    OK(ray_client_function_with_options(pair, attached, &pair2));
    OK(ray_client_options_free(attached));
    ray_client_value *five = v_int(5), *res = NULL, **vals = NULL;
    const ray_client_value *fives[1] = {five};
    ray_client_args *args = args_of(fives, 1);
    ray_client_object_ref *refs[2] = {NULL, NULL};
    FAILS_WITH(ray_client_function_call(c, pair2, args, NULL, refs, 1),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "the call returns 2 results (num_returns)");
    OK(ray_client_options_new(&per_call));
    OK(ray_client_options_set_name(per_call, "calls-pair"));
    OK(ray_client_function_call(c, pair2, args, per_call, refs, 2));
    OK(get_results(c, refs, 2, &vals));
    CHECK(vals != NULL && as_int(vals[0]) == 5 && as_int(vals[1]) == 6);
    OK(ray_client_value_array_free(vals));
    OK(ray_client_options_set_num_returns(per_call, 1)); /* the pair as one tuple */
    OK(call_function_get(c, pair2, args, per_call, &res));
    CHECK(res != NULL && is_tuple_of(res, 2));
    free_value(res);
    OK(ray_client_options_free(per_call));

    /* The same for actor classes: an attached name, and one a creation sets over it. */
    ray_client_actor_class *counter = NULL, *named = NULL;
    OK(ray_client_actor_class_new("rc_test_tasks", "Counter", &counter));
    OK(ray_client_options_new(&attached));
    OK(ray_client_options_set_name(attached, "calls-attached"));
    OK(ray_client_options_set_num_cpus(attached, 0));
    OK(ray_client_actor_class_with_options(counter, attached, &named));
    OK(ray_client_options_free(attached));
    OK(ray_client_options_new(&per_call));
    OK(ray_client_options_set_name(per_call, "calls-per-create"));
    ray_client_actor *actors[2] = {NULL, NULL};
    OK(ray_client_actor_create(c, named, NULL, NULL, &actors[0]));
    OK(ray_client_actor_create(c, named, NULL, per_call, &actors[1]));
    OK(ray_client_options_free(per_call));
    const char *names[2] = {"calls-attached", "calls-per-create"};
    for (int i = 0; i < 2; i++) {
        OK(call_method_get(c, actors[i], "get", NULL, &res)); /* created by now */
        free_value(res);
        ray_client_actor *found = NULL;
        char *want = NULL, *got = NULL;
        OK(ray_client_actor_get(c, names[i], NULL, &found));
        OK(ray_client_actor_id_hex(actors[i], &want));
        OK(ray_client_actor_id_hex(found, &got));
        CHECK(want && got && strcmp(want, got) == 0);
        OK(ray_client_string_free(want));
        OK(ray_client_string_free(got));
        OK(ray_client_actor_free(found));
        OK(ray_client_actor_kill(c, actors[i], 1));
        OK(ray_client_actor_free(actors[i]));
    }

    OK(ray_client_actor_class_free(named));
    OK(ray_client_actor_class_free(counter));
    OK(ray_client_args_free(args));
    free_value(five);
    for (ray_client_function **p = (ray_client_function *[]){plain, half, pair, pair2, NULL}; *p;
         p++)
        OK(ray_client_function_free(*p));
}

static void test_actors(ray_client_client *c) {
    ray_client_value *start = v_int(10);
    const ray_client_value *starts[1] = {start};
    ray_client_args *init = args_of(starts, 1);
    ray_client_options *o = NULL;
    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_name(o, "ffi-counter"));
    OK(ray_client_options_set_max_restarts(o, 0));
    OK(ray_client_options_set_max_concurrency(o, 1));
    OK(ray_client_options_set_num_cpus(o, 0));
    ray_client_actor_class *counter = NULL;
    OK(ray_client_actor_class_new("rc_test_tasks", "Counter", &counter));
    ray_client_actor *a = NULL;
    OK(ray_client_actor_create(c, counter, init, o, &a));
    OK(ray_client_options_free(o));
    ray_client_value *k = v_int(5), *res = NULL;
    ray_client_args *kw = NULL;
    OK(ray_client_args_new(&kw));
    OK(ray_client_args_push_kw(kw, "k", k));
    OK(call_method_get(c, a, "incr", kw, &res));
    CHECK(res != NULL && as_int(res) == 15);
    free_value(res);

    ray_client_actor *named = NULL;
    OK(ray_client_actor_get(c, "ffi-counter", NULL, &named));
    OK(call_method_get(c, named, "get", NULL, &res));
    CHECK(res != NULL && as_int(res) == 15);
    free_value(res);
    char *h1 = NULL, *h2 = NULL;
    OK(ray_client_actor_id_hex(a, &h1));
    OK(ray_client_actor_id_hex(named, &h2));
    CHECK(strcmp(h1, h2) == 0);
    OK(ray_client_string_free(h1));
    OK(ray_client_string_free(h2));
    char *list = NULL;
    OK(ray_client_actor_list_named(c, 0, &list));
    CHECK(strstr(list, "ffi-counter") != NULL);
    OK(ray_client_string_free(list));
    ray_client_actor *missing = NULL;
    FAILS(ray_client_actor_get(c, "no-such-actor", NULL, &missing),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    CHECK(missing == NULL);

    /* An actor handle in a value, passed to a task that calls it. */
    ray_client_value *hv = NULL, *two = v_int(2);
    OK(ray_client_value_actor(a, &hv));
    const ray_client_value *cargs[2] = {hv, two};
    OK(call_get(c, "call_actor", cargs, 2, &res));
    CHECK(res != NULL && as_int(res) == 17);
    free_value(res);
    free_value(hv);
    free_value(two);

    /* num_returns on a method: the caller sizes the results as for a function. */
    ray_client_options *mo = NULL;
    OK(ray_client_options_new(&mo));
    OK(ray_client_options_set_num_returns(mo, 2));
    ray_client_object_ref *refs[2] = {NULL, NULL};
    FAILS_WITH(ray_client_actor_call(c, a, "pair", NULL, mo, refs, 1),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "the call returns 2 results (num_returns), but results has room for 1");
    OK(ray_client_actor_call(c, a, "pair", NULL, mo, refs, 2));
    ray_client_value **vals = NULL;
    OK(get_results(c, refs, 2, &vals));
    CHECK(vals != NULL && as_int(vals[0]) == 17 && as_int(vals[1]) == -17);
    OK(ray_client_value_array_free(vals));
    OK(ray_client_options_free(mo));
    FAILS_WITH(ray_client_actor_call(c, a, "get", NULL, NULL, NULL, 0),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "the call returns 1 result (num_returns), but results has room for 0");
    FAILS(ray_client_actor_call(c, a, "", NULL, NULL, refs, 1), RAY_CLIENT_ERROR_INVALID_ARGUMENT);

    CHECK(kill_and_call(c, a, "get") == RAY_CLIENT_ERROR_ACTOR_DIED);
    OK(ray_client_actor_free(named));
    OK(ray_client_actor_free(a));
    FAILS(ray_client_actor_free(a), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_actor_kill(c, a, 1), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_actor_call(c, a, "get", NULL, NULL, refs, 1), RAY_CLIENT_ERROR_INVALID_HANDLE);
    OK(ray_client_actor_class_free(counter));
    OK(ray_client_args_free(init));
    OK(ray_client_args_free(kw));
    free_value(start);
    free_value(k);
}

static const char GREETER[] =
    "class Greeter:\n"
    "    def __init__(self, greeting):\n"
    "        self.greeting = greeting\n"
    "    def greet(self, name, punctuation='.'):\n"
    "        return self.greeting + ', ' + name + punctuation\n";

static void test_actor_from_source(ray_client_client *c) {
    ray_client_actor_class *greeter = NULL, *k = NULL;
    OK(ray_client_actor_class_from_source(GREETER, "Greeter", &greeter));
    ray_client_value *hello = v_str("Hello"), *ray = v_str("Ray"), *bang = v_str("!");
    ray_client_args *args = NULL;
    OK(ray_client_args_new(&args));
    OK(ray_client_args_push(args, hello));
    ray_client_actor *a = NULL;
    OK(ray_client_actor_create(c, greeter, args, NULL, &a));
    /* The list the actor was created with, reused for its methods. */
    OK(ray_client_args_clear(args));
    OK(ray_client_args_push(args, ray));
    ray_client_value *res = NULL;
    OK(call_method_get(c, a, "greet", args, &res));
    CHECK(res != NULL && str_eq(res, "Hello, Ray."));
    free_value(res);
    OK(ray_client_args_push_kw(args, "punctuation", bang));
    OK(call_method_get(c, a, "greet", args, &res));
    CHECK(res != NULL && str_eq(res, "Hello, Ray!"));
    free_value(res);
    OK(ray_client_actor_kill(c, a, 1));
    OK(ray_client_actor_free(a));

    FAILS_WITH(ray_client_actor_class_from_source(GREETER, "not a name", &k),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "is not a Python identifier");
    FAILS(ray_client_actor_class_new("rc_test_tasks", "", &k), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_actor_class_new("rc_test_tasks", "\xff", &k), RAY_CLIENT_ERROR_INVALID_UTF8);
    CHECK(k == NULL);
    OK(ray_client_actor_class_free(greeter));
    OK(ray_client_args_free(args));
    free_value(hello);
    free_value(ray);
    free_value(bang);
}

/* A function and an argument list belong to no client: made once, called on any. */
static void test_any_client(ray_client_client *c) {
    ray_client_client *other = NULL;
    OK(ray_client_connect_address(address, &other));
    if (other == NULL) return;
    ray_client_function *inc = NULL;
    OK(ray_client_function_from_source("def inc(x):\n    return x + 1\n", "inc", &inc));
    ray_client_value *x = v_int(41), *res = NULL;
    const ray_client_value *xs[1] = {x};
    ray_client_args *args = args_of(xs, 1);
    ray_client_client *clients[2] = {c, other};
    for (int i = 0; i < 2; i++) {
        OK(call_function_get(clients[i], inc, args, NULL, &res));
        CHECK(res != NULL && as_int(res) == 42);
        free_value(res);
    }
    OK(ray_client_client_disconnect(other));
    OK(ray_client_client_free(other));
    OK(ray_client_args_free(args));
    OK(ray_client_function_free(inc));
    free_value(x);
}

/* Creates an actor of rc_actor_kinds.`qualname` with `options`, calls its `meet(n)` `n`
   times at once and checks that every call saw all `n` arrive (the calls meet inside the
   actor, which only happens when they run together). */
static void meet(ray_client_client *c, const char *qualname, const ray_client_options *options,
                 int n) {
    ray_client_actor_class *cls = NULL;
    ray_client_actor *a = NULL;
    OK(ray_client_actor_class_new("rc_actor_kinds", qualname, &cls));
    OK(ray_client_actor_create(c, cls, NULL, options, &a));
    ray_client_value *count = v_int(n);
    const ray_client_value *vals[1] = {count};
    ray_client_args *args = args_of(vals, 1);
    ray_client_object_ref *refs[8] = {0};
    for (int i = 0; i < n; i++) OK(ray_client_actor_call(c, a, "meet", args, NULL, &refs[i], 1));
    for (int i = 0; i < n; i++) {
        ray_client_value *v = NULL;
        OK(get_and_free(c, refs[i], &v));
        CHECK(v != NULL && as_int(v) == n);
        free_value(v);
    }
    OK(ray_client_args_free(args));
    free_value(count);
    OK(ray_client_actor_free(a));
    OK(ray_client_actor_class_free(cls));
}

/* Actor kinds beyond plain classes: async methods (calls run together up to
   max_concurrency), concurrency groups (declared with the class: set_json), and
   @ray.method(num_returns=2) (the call asks for its two results). */
static void test_actor_kinds(ray_client_client *c) {
    ray_client_actor_class *cls = NULL;
    ray_client_options *o = NULL;
    ray_client_actor *a = NULL;

    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_max_concurrency(o, 4));
    meet(c, "AsyncMeeting", o, 4);
    OK(ray_client_options_free(o));
    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_json(o, "concurrency_groups", "{\"io\": 2}"));
    meet(c, "Grouped", o, 2);
    OK(ray_client_options_free(o));

    OK(ray_client_actor_class_new("rc_actor_kinds", "Splitter", &cls));
    OK(ray_client_actor_create(c, cls, NULL, NULL, &a));
    ray_client_value *one = v_int(1), *b = v_str("b");
    const ray_client_value *vals[2] = {one, b};
    ray_client_args *args = args_of(vals, 2);
    ray_client_options *two = NULL;
    OK(ray_client_options_new(&two));
    OK(ray_client_options_set_num_returns(two, 2));
    ray_client_object_ref *refs[2] = {0};
    OK(ray_client_actor_call(c, a, "split", args, two, refs, 2));
    ray_client_value *first = NULL, *second = NULL;
    OK(get_and_free(c, refs[0], &first));
    OK(get_and_free(c, refs[1], &second));
    CHECK(first != NULL && as_int(first) == 1);
    CHECK(second != NULL && str_eq(second, "b"));
    free_value(first);
    free_value(second);
    free_value(one);
    free_value(b);
    OK(ray_client_args_free(args));
    OK(ray_client_options_free(two));
    OK(ray_client_actor_free(a));
    OK(ray_client_actor_class_free(cls));
}

int main(void) {
    address = test_address();
    if (address == NULL) return 2;
    ray_client_connect_options *o = modules_options(address, NULL);
    OK(ray_client_connect_options_set_namespace(o, "ccalls"));
    ray_client_client *c = connect_and_free(o);
    if (c == NULL) return 1;
    test_functions(c);
    test_args(c);
    test_merged_options(c);
    test_actors(c);
    test_actor_from_source(c);
    test_actor_kinds(c);
    test_any_client(c);
    OK(ray_client_client_disconnect(c));
    OK(ray_client_client_free(c));
    check_all_freed();
    return tally("test_calls");
}
