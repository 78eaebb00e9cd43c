/* Issue 15's defects from C, against a real cluster at $RAY_TEST_ADDRESS: numpy scalars
 * as numbers, a cancelled task as CANCELLED, tuple-keyed dicts, Python's error texts,
 * sets equal in any order, borrowed buffers and when they are released, option values
 * Ray refuses. Built and run under AddressSanitizer + UBSan by tests/run-c. */
#define _POSIX_C_SOURCE 200809L
#include "ray_client.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *address;

static void sleep_ms(long ms) {
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* d[key]; the caller frees it. */
static ray_client_value *item(const ray_client_value *d, const char *key) {
    ray_client_value *v = NULL;
    OK(ray_client_value_dict_get(d, key, &v));
    return v;
}

static double float_at(const ray_client_value *d, const char *key) {
    ray_client_value *v = item(d, key);
    int kind = -1;
    OK(ray_client_value_kind(v, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_FLOAT);
    double x = -1;
    OK(ray_client_value_get_float(v, &x));
    free_value(v);
    return x;
}

static int64_t int_at(const ray_client_value *d, const char *key) {
    ray_client_value *v = item(d, key);
    int64_t i = as_int(v);
    free_value(v);
    return i;
}

static void test_numpy_scalars(ray_client_client *c) {
    ray_client_value *v = NULL;
    OK(call_get(c, "numpy_total", NULL, 0, &v));
    double total = 0;
    OK(ray_client_value_get_float(v, &total));
    CHECK(total == 66.0);
    OK(ray_client_value_free(v));

    OK(call_get(c, "numpy_scalars", NULL, 0, &v));
    CHECK(float_at(v, "sum") == 66.0);
    CHECK(float_at(v, "mean") == 5.5);
    CHECK(float_at(v, "float32") == 1.5);
    CHECK(float_at(v, "float16") == 0.25);
    CHECK(int_at(v, "int64") == -3);
    CHECK(int_at(v, "int8") == -8);
    CHECK(int_at(v, "uint32") == 4000000000LL);
    ray_client_value *b = NULL;
    OK(ray_client_value_dict_get(v, "bool", &b));
    int yes = 0;
    OK(ray_client_value_get_bool(b, &yes));
    CHECK(yes == 1);
    OK(ray_client_value_free(b));
    /* uint64's maximum does not fit an int64: a big int, as Python's int. */
    ray_client_value *big = NULL;
    OK(ray_client_value_dict_get(v, "uint64", &big));
    int kind = -1;
    OK(ray_client_value_kind(big, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_BIGINT);
    OK(ray_client_value_free(big));
    OK(ray_client_value_free(v));
}

static void test_cancel(ray_client_client *c) {
    ray_client_function *spin = test_function("spin_forever");
    ray_client_object_ref *r = NULL;
    OK(ray_client_function_call(c, spin, NULL, NULL, &r, 1));
    OK(ray_client_function_free(spin));
    sleep_ms(2000); /* running, not queued */
    OK(ray_client_object_cancel(c, r, 0, 1));
    ray_client_value *v = NULL;
    FAILS(ray_client_object_get(c, r, 60000, &v), RAY_CLIENT_ERROR_TASK_CANCELLED);
    ray_client_error *e = NULL;
    OK(ray_client_last_error(&e));
    CHECK(strcmp(ray_client_error_kind(e), "task_cancelled") == 0);
    /* Cancelled while running: RayTaskError(TaskCancelledError); before it ran: the bare
     * TaskCancelledError. Both read the same. */
    const char *cause = ray_client_error_cause_type(e);
    CHECK((cause && strcmp(cause, "TaskCancelledError") == 0) ||
          strcmp(ray_client_error_remote_type(e), "ray.exceptions.TaskCancelledError") == 0);
    /* Python's str(e): "Task: TaskID(<hex>) was cancelled." when Ray sends the id, else
     * "" (Ray 2.60 often sends neither id nor message; Python's client shows "" then). */
    const char *text = ray_client_error_remote_message(e);
    CHECK(text[0] == '\0' || strncmp(text, "Task: TaskID(", 13) == 0);
    CHECK(strstr(ray_client_error_message(e), "Bytes(") == NULL);
    OK(ray_client_error_free(e));
    OK(ray_client_object_ref_free(r));
}

static void test_tuple_keys(ray_client_client *c) {
    ray_client_value *v = NULL;
    OK(call_get(c, "tuple_keyed", NULL, 0, &v));
    size_t n = 0;
    OK(ray_client_value_len(v, &n));
    CHECK(n == 5);
    int kinds[5] = {0};
    for (size_t i = 0; i < n && i < 5; i++) {
        ray_client_value *k = NULL, *item = NULL;
        OK(ray_client_value_dict_item(v, i, &k, &item));
        OK(ray_client_value_kind(k, &kinds[i]));
        OK(ray_client_value_free(k));
        OK(ray_client_value_free(item));
    }
    CHECK(kinds[0] == RAY_CLIENT_VALUE_TUPLE && kinds[1] == RAY_CLIENT_VALUE_TUPLE);
    CHECK(kinds[2] == RAY_CLIENT_VALUE_FROZENSET && kinds[3] == RAY_CLIENT_VALUE_BYTES);
    CHECK(kinds[4] == RAY_CLIENT_VALUE_INT);
    /* And back: the same dict echoed equals it. */
    ray_client_value *back = NULL;
    const ray_client_value *args[] = {v};
    OK(call_get(c, "identity", args, 1, &back));
    int eq = 0;
    OK(ray_client_value_equal(v, back, &eq));
    CHECK(eq == 1);
    OK(ray_client_value_free(back));
    OK(ray_client_value_free(v));
}

static void test_error_texts(ray_client_client *c) {
    ray_client_value *key = NULL, *v = NULL;
    OK(ray_client_value_str("x", &key));
    const ray_client_value *args[] = {key};
    FAILS(call_get(c, "raise_key_error", args, 1, &v), RAY_CLIENT_ERROR_TASK_ERROR);
    ray_client_error *e = NULL;
    OK(ray_client_last_error(&e));
    CHECK(strcmp(ray_client_error_remote_message(e), "'x'") == 0);
    CHECK(strcmp(ray_client_error_message(e), "get: KeyError: 'x'") == 0);
    OK(ray_client_error_free(e));
    OK(ray_client_value_free(key));

    /* An unknown function names what the user asked for, when it is called (making the
     * handle sends nothing). */
    ray_client_function *missing = test_function("no_such_function");
    ray_client_object_ref *r = NULL;
    FAILS_WITH(ray_client_function_call(c, missing, NULL, NULL, &r, 1),
               RAY_CLIENT_ERROR_SERVER_ERROR,
               "looking up rc_test_tasks.no_such_function on the cluster: AttributeError");
    CHECK(r == NULL);
    OK(ray_client_function_free(missing));

    /* A killed actor says why it died. */
    ray_client_actor_class *counter = NULL;
    OK(ray_client_actor_class_new("rc_test_tasks", "Counter", &counter));
    ray_client_actor *a = NULL;
    OK(ray_client_actor_create(c, counter, NULL, NULL, &a));
    OK(ray_client_actor_class_free(counter));
    OK(call_method_get(c, a, "incr", NULL, &v));
    OK(ray_client_value_free(v));
    CHECK(kill_and_call(c, a, "incr") == RAY_CLIENT_ERROR_ACTOR_DIED);
    OK(ray_client_last_error(&e));
    CHECK(strstr(ray_client_error_remote_message(e), "killed by `ray.kill`") != NULL);
    CHECK(strncmp(ray_client_error_message(e), "get: ActorDiedError: The actor died", 35) == 0);
    OK(ray_client_error_free(e));
    OK(ray_client_actor_free(a));
}

static void test_set_equality(ray_client_client *c) {
    ray_client_value *items[3] = {NULL, NULL, NULL}, *rev[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        OK(ray_client_value_int(i * 100 + 7, &items[i]));
        OK(ray_client_value_int((2 - i) * 100 + 7, &rev[i]));
    }
    ray_client_value *a = NULL, *b = NULL, *back = NULL;
    OK(ray_client_value_set((const ray_client_value *const *)items, 3, &a));
    OK(ray_client_value_set((const ray_client_value *const *)rev, 3, &b));
    int eq = 0;
    OK(ray_client_value_equal(a, b, &eq));
    CHECK(eq == 1);
    const ray_client_value *args[] = {a};
    OK(call_get(c, "identity", args, 1, &back));
    OK(ray_client_value_equal(a, back, &eq));
    CHECK(eq == 1);
    OK(ray_client_value_free(back));
    OK(ray_client_value_free(a));
    OK(ray_client_value_free(b));
    for (int i = 0; i < 3; i++) {
        OK(ray_client_value_free(items[i]));
        OK(ray_client_value_free(rev[i]));
    }
}

static int released;
static void on_release(void *user) { released += *(int *)user; }

static void test_borrowed_buffers(ray_client_client *c) {
    /* 16 MiB borrowed: put without a copy, read back; released once, after the value
     * and the put are done with it. */
    size_t n = 16u << 20;
    unsigned char *buf = malloc(n);
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)(i * 31);
    int one = 1;
    released = 0;
    ray_client_value *v = NULL, *back = NULL;
    OK(ray_client_value_bytes_borrowed(buf, n, on_release, &one, &v));
    ray_client_object_ref *r = NULL;
    OK(ray_client_object_put(c, v, &r));
    CHECK(released == 0); /* the value still holds it */
    OK(ray_client_value_free(v));
    OK(ray_client_object_get(c, r, 60000, &back));
    const uint8_t *data = NULL;
    size_t len = 0;
    OK(ray_client_value_get_bytes(back, &data, &len));
    CHECK(len == n && memcmp(data, buf, n) == 0);
    OK(ray_client_value_free(back));
    OK(ray_client_object_ref_free(r));
    CHECK(released == 1);
    free(buf);

    /* An ndarray over borrowed doubles, through a task that sums it. */
    double xs[6] = {1, 2, 3, 4, 5, 6};
    size_t shape[2] = {2, 3};
    released = 0;
    OK(ray_client_value_ndarray_borrowed(RAY_CLIENT_DTYPE_FLOAT64, shape, 2, xs, sizeof xs, 0,
                                         on_release, &one, &v));
    const ray_client_value *args[] = {v};
    OK(call_get(c, "describe_array", args, 1, &back));
    OK(ray_client_value_free(v));
    CHECK(float_at(back, "sum") == 21.0);
    OK(ray_client_value_free(back));
    CHECK(released == 1);

    /* Refused input never calls release, and the buffer stays the caller's. */
    released = 0;
    FAILS(ray_client_value_bytes_borrowed(NULL, 5, on_release, &one, &v),
          RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_value_ndarray_borrowed(RAY_CLIENT_DTYPE_FLOAT64, shape, 2, xs, 8, 0,
                                            on_release, &one, &v),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    CHECK(released == 0);
    /* No release function: static data. */
    static const uint8_t hello[] = "hello";
    OK(ray_client_value_bytes_borrowed(hello, 5, NULL, NULL, &v));
    OK(ray_client_value_free(v));
}

static void test_refused_options(void) {
    ray_client_options *o = NULL;
    OK(ray_client_options_new(&o));
    FAILS_WITH(ray_client_options_set_max_retries(o, -2), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "max_retries only accepts 0, -1 or a positive integer");
    FAILS_WITH(ray_client_options_set_max_concurrency(o, -1), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "max_concurrency only accepts 0 or a positive integer");
    FAILS_WITH(ray_client_options_set_max_restarts(o, -3), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "max_restarts");
    FAILS_WITH(ray_client_options_set_max_task_retries(o, -3), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "max_task_retries");
    OK(ray_client_options_set_max_retries(o, -1));
    OK(ray_client_options_set_max_concurrency(o, 4));
    OK(ray_client_options_free(o));

    ray_client_connect_options *co = NULL;
    OK(ray_client_connect_options_new(address, &co));
    FAILS_WITH(ray_client_connect_options_set_connect_timeout_ms(co, 0),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "greater than zero");
    OK(ray_client_connect_options_free(co));
}

int main(void) {
    address = test_address();
    if (address == NULL) return 2;
    test_refused_options();
    ray_client_client *c = connect_and_free(modules_options(address, NULL));
    if (c == NULL) return 1;
    test_numpy_scalars(c);
    test_cancel(c);
    test_tuple_keys(c);
    test_error_texts(c);
    test_set_equality(c);
    test_borrowed_buffers(c);
    OK(ray_client_client_disconnect(c));
    OK(ray_client_client_free(c));
    check_all_freed();
    return tally("test_defects");
}
