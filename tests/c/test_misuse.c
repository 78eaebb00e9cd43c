/* C ABI misuse: every call must answer with a status code and a message, never crash,
 * read out of bounds, leak or hang. Built with AddressSanitizer + UBSan and run with
 * leak detection by tests/run-c, against the cluster at $RAY_TEST_ADDRESS.
 *
 * Covered: NULL pointers, freed handles (every kind, double frees), handles of the wrong
 * type (a value where a ref is expected, a function where an actor class is, ...),
 * pointers that were never handles, refs of another client, invalid UTF-8 in every kind
 * of string argument (names of functions, classes, methods and keywords too), absurd
 * sizes and counts (of results arrays and num_returns too), absurd timeouts, and options
 * after their handle was freed. */
#define _POSIX_C_SOURCE 200809L
#include "ray_client.h"
#include "check.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char BAD_UTF8[] = "caf\xc3\x28 \xff\xfe";

/* NULL for each pointer of the call surface (functions, classes, argument lists, the
 * results array), and the optional ones that may be NULL. */
static void test_null_call_arguments(ray_client_client *c, const ray_client_value *v) {
    ray_client_function *f = NULL, *f2 = NULL;
    ray_client_actor_class *k = NULL, *k2 = NULL;
    ray_client_args *args = NULL;
    ray_client_actor *a = NULL;
    ray_client_object_ref *results[1] = {NULL};
    FAILS_WITH(ray_client_function_new(NULL, "nop", &f), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_function_new("rc_test_tasks", NULL, &f),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_function_new("rc_test_tasks", "nop", NULL),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_function_from_source(NULL, "f", &f), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_function_from_source("def f(): pass", NULL, &f),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_actor_class_new(NULL, "Counter", &k), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_actor_class_from_source("class A: pass", "A", NULL),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_args_new(NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    CHECK(f == NULL && k == NULL);

    OK(ray_client_function_new("rc_test_tasks", "nop", &f));
    OK(ray_client_actor_class_new("rc_test_tasks", "Counter", &k));
    OK(ray_client_args_new(&args));
    FAILS_WITH(ray_client_function_call(NULL, f, NULL, NULL, results, 1),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_function_call(c, NULL, NULL, NULL, results, 1),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    /* Room for one result at NULL. */
    FAILS_WITH(ray_client_function_call(c, f, NULL, NULL, NULL, 1),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_function_with_options(NULL, NULL, &f2), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_function_with_options(f, NULL, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_actor_class_with_options(NULL, NULL, &k2), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_args_push(NULL, v), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_args_push(args, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_args_push_kw(args, NULL, v), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_args_push_kw(args, "x", NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_args_push_kw(NULL, "x", v), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_args_push_kw(args, "", v), RAY_CLIENT_ERROR_INVALID_ARGUMENT, "name");
    FAILS_WITH(ray_client_args_clear(NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_actor_create(NULL, k, NULL, NULL, &a), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_actor_create(c, NULL, NULL, NULL, &a), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_actor_create(c, k, NULL, NULL, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT,
               "NULL");
    FAILS_WITH(ray_client_actor_call(c, NULL, "get", NULL, NULL, results, 1),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    CHECK(f2 == NULL && k2 == NULL && a == NULL && results[0] == NULL);
    /* None of the refused calls touched the handles. */
    ray_client_value *none = NULL;
    OK(ray_client_args_push(args, v)); /* nop takes no arguments: cleared again */
    OK(ray_client_args_clear(args));
    OK(call_function_get(c, f, args, NULL, &none));
    OK(ray_client_value_free(none));
    /* An actor's method name may not be NULL either. */
    OK(ray_client_actor_create(c, k, NULL, NULL, &a));
    FAILS_WITH(ray_client_actor_call(c, a, NULL, NULL, NULL, results, 1),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    OK(ray_client_actor_kill(c, a, 1));
    OK(ray_client_actor_free(a));
    /* Freeing NULL is a no-op for every new handle type. */
    OK(ray_client_function_free(NULL));
    OK(ray_client_actor_class_free(NULL));
    OK(ray_client_args_free(NULL));
    OK(ray_client_args_free(args));
    OK(ray_client_actor_class_free(k));
    OK(ray_client_function_free(f));
}

static void test_null_and_foreign_pointers(ray_client_client *c) {
    ray_client_value *v = NULL;
    ray_client_object_ref *r = NULL;
    FAILS_WITH(ray_client_object_put(NULL, NULL, &r), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_object_get(c, NULL, 0, &v), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    OK(ray_client_value_int(7, &v));
    FAILS_WITH(ray_client_object_put(c, v, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    test_null_call_arguments(c, v);

    /* Pointers that were never handles: a stack address, a heap block, a small int. */
    int on_stack = 0;
    void *heap = malloc(64);
    memset(heap, 0xab, 64);
    const void *fakes[] = {&on_stack, heap, (void *)(uintptr_t)0x10, (void *)(uintptr_t)-8};
    for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++) {
        ray_client_value *got = NULL;
        FAILS_WITH(ray_client_object_get(c, (const ray_client_object_ref *)fakes[i], 0, &got),
                   RAY_CLIENT_ERROR_INVALID_HANDLE, "");
        CHECK(got == NULL);
        FAILS_WITH(ray_client_object_put((const ray_client_client *)fakes[i], v, &r),
                   RAY_CLIENT_ERROR_INVALID_HANDLE, "");
        FAILS_WITH(ray_client_value_free((ray_client_value *)fakes[i]),
                   RAY_CLIENT_ERROR_INVALID_HANDLE, "");
        FAILS_WITH(ray_client_client_free((ray_client_client *)fakes[i]),
                   RAY_CLIENT_ERROR_INVALID_HANDLE, "");
        ray_client_object_ref *results[1] = {NULL};
        FAILS_WITH(ray_client_function_call(c, (const ray_client_function *)fakes[i], NULL,
                                            NULL, results, 1),
                   RAY_CLIENT_ERROR_INVALID_HANDLE, "");
        CHECK(results[0] == NULL);
        FAILS_WITH(ray_client_args_push((ray_client_args *)fakes[i], v),
                   RAY_CLIENT_ERROR_INVALID_HANDLE, "");
        FAILS_WITH(ray_client_actor_class_free((ray_client_actor_class *)fakes[i]),
                   RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    }
    free(heap);
    OK(ray_client_value_free(v));
}

static void test_wrong_type_handles(ray_client_client *c) {
    ray_client_value *v = NULL;
    ray_client_object_ref *r = NULL;
    OK(ray_client_value_int(1, &v));
    OK(ray_client_object_put(c, v, &r));
    ray_client_value *got = NULL;
    /* A value where a ref is expected, a ref where a value is, a client as either. */
    FAILS_WITH(ray_client_object_get(c, (const ray_client_object_ref *)v, 0, &got),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_object_put(c, (const ray_client_value *)r, &r),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_object_put((const ray_client_client *)v, v, &r),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    int64_t i = 0;
    FAILS_WITH(ray_client_value_get_int((const ray_client_value *)c, &i),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_object_ref_free((ray_client_object_ref *)v),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_value_free((ray_client_value *)r), RAY_CLIENT_ERROR_INVALID_HANDLE,
               "");
    FAILS_WITH(ray_client_options_free((ray_client_options *)v), RAY_CLIENT_ERROR_INVALID_HANDLE,
               "");
    FAILS_WITH(ray_client_actor_free((ray_client_actor *)r), RAY_CLIENT_ERROR_INVALID_HANDLE,
               "");
    FAILS_WITH(ray_client_actor_kill(c, (const ray_client_actor *)r, 1),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    /* Functions, classes, argument lists and options taken for one another. */
    ray_client_function *f = NULL;
    ray_client_actor_class *k = NULL;
    ray_client_args *args = NULL;
    ray_client_options *o = NULL;
    OK(ray_client_function_new("rc_test_tasks", "nop", &f));
    OK(ray_client_actor_class_new("rc_test_tasks", "Counter", &k));
    OK(ray_client_args_new(&args));
    OK(ray_client_options_new(&o));
    ray_client_object_ref *results[1] = {NULL};
    ray_client_actor *a = NULL;
    FAILS_WITH(ray_client_function_call(c, (const ray_client_function *)k, NULL, NULL, results, 1),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_function_call(c, f, (const ray_client_args *)o, NULL, results, 1),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_function_call(c, f, NULL, (const ray_client_options *)args, results, 1),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    CHECK(results[0] == NULL);
    FAILS_WITH(ray_client_actor_create(c, (const ray_client_actor_class *)f, NULL, NULL, &a),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_actor_call(c, (const ray_client_actor *)k, "get", NULL, NULL, results, 1),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    CHECK(a == NULL && results[0] == NULL);
    FAILS_WITH(ray_client_args_push((ray_client_args *)o, v), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_args_push(args, (const ray_client_value *)f),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_function_free((ray_client_function *)args),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_actor_class_free((ray_client_actor_class *)f),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_args_free((ray_client_args *)k), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    OK(ray_client_options_free(o));
    OK(ray_client_args_free(args));
    OK(ray_client_actor_class_free(k));
    OK(ray_client_function_free(f));
    /* The value and the ref survived the misuse. */
    OK(ray_client_object_get(c, r, 10000, &got));
    OK(ray_client_value_get_int(got, &i));
    CHECK(i == 1);
    OK(ray_client_value_free(got));
    OK(ray_client_object_ref_free(r));
    OK(ray_client_value_free(v));
}

static void test_freed_handles(ray_client_client *c) {
    ray_client_value *v = NULL;
    ray_client_object_ref *r = NULL;
    ray_client_options *o = NULL;
    ray_client_connect_options *co = NULL;
    OK(ray_client_value_str("x", &v));
    OK(ray_client_object_put(c, v, &r));
    OK(ray_client_options_new(&o));
    OK(ray_client_connect_options_new(NULL, &co));
    OK(ray_client_value_free(v));
    OK(ray_client_object_ref_free(r));
    OK(ray_client_options_free(o));
    OK(ray_client_connect_options_free(co));
    /* Every use and every second free is refused. */
    const char *s = NULL;
    size_t len = 0;
    FAILS_WITH(ray_client_value_get_str(v, &s, &len), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_value_free(v), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    ray_client_value *got = NULL;
    FAILS_WITH(ray_client_object_get(c, r, 0, &got), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_object_ref_free(r), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_options_set_num_cpus(o, 1.0), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_options_free(o), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_connect_options_set_namespace(co, "ns"),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    ray_client_client *c2 = NULL;
    FAILS_WITH(ray_client_connect(co, &c2), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    CHECK(c2 == NULL);
    FAILS_WITH(ray_client_connect_options_free(co), RAY_CLIENT_ERROR_INVALID_HANDLE, "");

    /* A freed function, actor class or argument list, in every place it can go. */
    ray_client_function *f = NULL, *f2 = NULL;
    ray_client_actor_class *k = NULL, *k2 = NULL;
    ray_client_args *args = NULL;
    OK(ray_client_function_new("rc_test_tasks", "nop", &f));
    OK(ray_client_actor_class_new("rc_test_tasks", "Counter", &k));
    OK(ray_client_args_new(&args));
    OK(ray_client_value_str("x", &v));
    OK(ray_client_function_free(f));
    OK(ray_client_actor_class_free(k));
    OK(ray_client_args_free(args));
    ray_client_object_ref *results[1] = {NULL};
    ray_client_actor *a = NULL;
    FAILS_WITH(ray_client_function_call(c, f, NULL, NULL, results, 1),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_function_with_options(f, NULL, &f2), RAY_CLIENT_ERROR_INVALID_HANDLE,
               "");
    FAILS_WITH(ray_client_function_free(f), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_actor_create(c, k, NULL, NULL, &a), RAY_CLIENT_ERROR_INVALID_HANDLE,
               "");
    FAILS_WITH(ray_client_actor_class_with_options(k, NULL, &k2),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_actor_class_free(k), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    OK(ray_client_function_new("rc_test_tasks", "nop", &f));
    FAILS_WITH(ray_client_function_call(c, f, args, NULL, results, 1),
               RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_args_push(args, v), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_args_push_kw(args, "x", v), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_args_clear(args), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    FAILS_WITH(ray_client_args_free(args), RAY_CLIENT_ERROR_INVALID_HANDLE, "");
    CHECK(f2 == NULL && k2 == NULL && a == NULL && results[0] == NULL);
    OK(ray_client_function_free(f));
    OK(ray_client_value_free(v));
}

static void test_invalid_utf8(ray_client_client *c) {
    ray_client_value *v = NULL;
    FAILS_WITH(ray_client_value_str(BAD_UTF8, &v), RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    CHECK(v == NULL);
    FAILS_WITH(ray_client_value_str_n(BAD_UTF8, strlen(BAD_UTF8), &v),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    /* Names of functions, classes, methods and keywords; Python source. */
    ray_client_function *f = NULL;
    FAILS_WITH(ray_client_function_new(BAD_UTF8, "f", &f), RAY_CLIENT_ERROR_INVALID_UTF8,
               "UTF-8");
    FAILS_WITH(ray_client_function_new("rc_test_tasks", BAD_UTF8, &f),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    FAILS_WITH(ray_client_function_from_source(BAD_UTF8, "f", &f),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    CHECK(f == NULL);
    ray_client_actor_class *k = NULL;
    FAILS_WITH(ray_client_actor_class_new(BAD_UTF8, "Counter", &k),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    FAILS_WITH(ray_client_actor_class_from_source("class A: pass", BAD_UTF8, &k),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    CHECK(k == NULL);
    ray_client_value *one = NULL;
    OK(ray_client_value_int(1, &one));
    ray_client_args *args = NULL;
    OK(ray_client_args_new(&args));
    FAILS_WITH(ray_client_args_push_kw(args, BAD_UTF8, one), RAY_CLIENT_ERROR_INVALID_UTF8,
               "UTF-8");
    OK(ray_client_args_free(args));
    OK(ray_client_actor_class_new("rc_test_tasks", "Counter", &k));
    ray_client_actor *a = NULL;
    OK(ray_client_actor_create(c, k, NULL, NULL, &a));
    ray_client_object_ref *r = NULL;
    FAILS_WITH(ray_client_actor_call(c, a, BAD_UTF8, NULL, NULL, &r, 1),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    CHECK(r == NULL);
    OK(ray_client_actor_kill(c, a, 1));
    OK(ray_client_actor_free(a));
    OK(ray_client_actor_class_free(k));
    int existed = 0;
    FAILS_WITH(ray_client_kv_put(c, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1, 1,
                                 BAD_UTF8, &existed),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    ray_client_options *o = NULL;
    OK(ray_client_options_new(&o));
    FAILS_WITH(ray_client_options_set_name(o, BAD_UTF8), RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    FAILS_WITH(ray_client_options_set_runtime_env_json(o, BAD_UTF8),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    OK(ray_client_options_free(o));
    ray_client_client *c2 = NULL;
    FAILS_WITH(ray_client_connect_address(BAD_UTF8, &c2), RAY_CLIENT_ERROR_INVALID_UTF8,
               "UTF-8");
    CHECK(c2 == NULL);
    ray_client_connect_options *co = NULL;
    OK(ray_client_connect_options_new(NULL, &co));
    FAILS_WITH(ray_client_connect_options_set_namespace(co, BAD_UTF8),
               RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    OK(ray_client_connect_options_free(co));
    FAILS_WITH(ray_client_value_from_json(BAD_UTF8, &v), RAY_CLIENT_ERROR_INVALID_UTF8, "UTF-8");
    OK(ray_client_value_free(one));
}

static void test_absurd_sizes(ray_client_client *c) {
    ray_client_value *v = NULL;
    ray_client_options *o = NULL;
    const uint8_t byte = 1;
    FAILS_WITH(ray_client_value_bytes(&byte, SIZE_MAX, &v), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "impossible");
    FAILS_WITH(ray_client_value_str_n("a", SIZE_MAX, &v), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "impossible");
    const ray_client_value *one_item[1] = {NULL};
    FAILS_WITH(ray_client_value_list(one_item, SIZE_MAX, &v), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "impossible");
    FAILS_WITH(ray_client_value_list(NULL, 3, &v), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    FAILS_WITH(ray_client_value_list(one_item, 1, &v), RAY_CLIENT_ERROR_NULL_ARGUMENT, "NULL");
    /* A shape whose element count overflows, and one that disagrees with the data. */
    double data[4] = {1, 2, 3, 4};
    size_t huge_shape[2] = {SIZE_MAX / 2, 4};
    CHECK(ray_client_value_ndarray(0, huge_shape, 2, data, sizeof data, 0, &v) !=
          RAY_CLIENT_OK);
    CHECK(v == NULL);
    size_t wrong_shape[1] = {5};
    CHECK(ray_client_value_ndarray(0, wrong_shape, 1, data, sizeof data, 0, &v) !=
          RAY_CLIENT_OK);
    CHECK(ray_client_value_ndarray(1000, wrong_shape, 1, data, sizeof data, 0, &v) !=
          RAY_CLIENT_OK);
    CHECK(v == NULL);
    /* Counts of refs and returns. */
    ray_client_object_ref *r = NULL;
    ray_client_value *one = NULL;
    OK(ray_client_value_int(1, &one));
    OK(ray_client_object_put(c, one, &r));
    const ray_client_object_ref *refs[1] = {r};
    ray_client_value **values = NULL;
    FAILS_WITH(ray_client_object_get_many(c, refs, SIZE_MAX, 0, &values),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "impossible");
    uint8_t ready[1] = {0};
    size_t nready = 0;
    FAILS_WITH(ray_client_object_wait(c, refs, 1, 2, -1, ready, &nready),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "num_returns");
    FAILS_WITH(ray_client_object_wait(c, refs, 1, SIZE_MAX, -1, ready, &nready),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "num_returns");
    FAILS_WITH(ray_client_object_wait(c, refs, SIZE_MAX, 1, -1, ready, &nready),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "impossible");
    /* A results array that cannot be the call's (one result): refused before sending. */
    ray_client_function *nop = NULL;
    OK(ray_client_function_new("rc_test_tasks", "nop", &nop));
    ray_client_object_ref *results[1] = {NULL};
    FAILS_WITH(ray_client_function_call(c, nop, NULL, NULL, results, SIZE_MAX),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "but results has room for");
    CHECK(results[0] == NULL);
    /* An absurd num_returns is refused where it is set, one past the limit too, and the
     * options keep their last good value (here the limit itself, which the call then
     * checks against the results array before anything is sent). */
    OK(ray_client_options_new(&o));
    FAILS_WITH(ray_client_options_set_num_returns(o, SIZE_MAX),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "num_returns");
    OK(ray_client_options_set_num_returns(o, 100000));
    FAILS_WITH(ray_client_options_set_num_returns(o, 100001),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "num_returns must be a whole number");
    FAILS_WITH(ray_client_function_call(c, nop, NULL, o, results, 1),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "the call returns 100000 results");
    CHECK(results[0] == NULL);
    OK(ray_client_options_free(o));
    OK(ray_client_function_free(nop));
    /* Absurd timeouts are clamped or refused, never overflow. */
    ray_client_value *got = NULL;
    OK(ray_client_object_get(c, r, INT64_MAX, &got));
    OK(ray_client_value_free(got));
    OK(ray_client_object_get(c, r, INT64_MIN, &got));
    OK(ray_client_value_free(got));
    OK(ray_client_options_new(&o));
    CHECK(ray_client_options_set_num_cpus(o, -1.0) != RAY_CLIENT_OK);
    CHECK(ray_client_options_set_num_cpus(o, 1.0 / 0.0) != RAY_CLIENT_OK);
    OK(ray_client_options_free(o));
    ray_client_connect_options *co = NULL;
    OK(ray_client_connect_options_new(NULL, &co));
    OK(ray_client_connect_options_set_connect_timeout_ms(co, UINT64_MAX));
    OK(ray_client_connect_options_free(co));
    OK(ray_client_object_ref_free(r));
    OK(ray_client_value_free(one));
}

static void test_hostile_pickles(void) {
    /* Truncated, garbage and bomb-like pickles decode to errors. */
    static const uint8_t truncated[] = {0x80, 0x05, 0x95, 0x10, 0x00};
    static const uint8_t garbage[] = {0xde, 0xad, 0xbe, 0xef};
    /* A list that appends itself to itself a few thousand times through the memo. */
    uint8_t bomb[4 + 3 * 4000 + 2];
    size_t n = 0;
    bomb[n++] = 0x80;
    bomb[n++] = 0x04;
    bomb[n++] = ']'; /* EMPTY_LIST */
    bomb[n++] = 0x94; /* MEMOIZE */
    for (int i = 0; i < 4000; i++) {
        bomb[n++] = 'h'; /* BINGET 0 */
        bomb[n++] = 0;
        bomb[n++] = 'a'; /* APPEND */
    }
    bomb[n++] = '.';
    ray_client_value *v = NULL;
    CHECK(ray_client_value_from_pickle(truncated, sizeof truncated, &v) ==
          RAY_CLIENT_ERROR_PICKLE);
    CHECK(ray_client_value_from_pickle(garbage, sizeof garbage, &v) == RAY_CLIENT_ERROR_PICKLE);
    ray_client_status rc = ray_client_value_from_pickle(bomb, n, &v);
    CHECK(rc == RAY_CLIENT_OK || rc == RAY_CLIENT_ERROR_PICKLE);
    if (rc == RAY_CLIENT_OK) OK(ray_client_value_free(v));
}

int main(void) {
    const char *address = test_address();
    if (address == NULL) return 2;
    /* With the test module: the handles that survive misuse are used for real. */
    ray_client_client *c = connect_and_free(modules_options(address, NULL));
    if (c == NULL) return 2;
    test_null_and_foreign_pointers(c);
    test_wrong_type_handles(c);
    test_freed_handles(c);
    test_invalid_utf8(c);
    test_absurd_sizes(c);
    test_hostile_pickles();
    OK(ray_client_client_disconnect(c));
    OK(ray_client_client_free(c));
    return tally("test_misuse");
}
