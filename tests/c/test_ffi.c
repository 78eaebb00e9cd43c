/* Tests of the C ABI (include/ray_client.h) against a real cluster at $RAY_TEST_ADDRESS.
 * Plain C99, no framework: CHECK macros count failures; the exit status is the count.
 * Built and run under AddressSanitizer + UBSan (with leak detection) by tests/run-c.
 * tests/python (RC_TEST_MODULES) is shipped as the job's working_dir, so its
 * rc_test_tasks.py is importable on the cluster (square, boom, shout, env_var, ...),
 * as tests/harness/ray-cluster arranges. Calls themselves (functions, actor classes,
 * argument lists, results, options) are test_calls.c's. */
#define _POSIX_C_SOURCE 200809L
#include "ray_client.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static const char *address;

/* --- tests ---------------------------------------------------------------------------- */

static void test_version_and_errors(void) {
    char buf[64];
    snprintf(buf, sizeof buf, "%d.%d.%d", RAY_CLIENT_VERSION_MAJOR, RAY_CLIENT_VERSION_MINOR,
             RAY_CLIENT_VERSION_PATCH);
    CHECK(strcmp(ray_client_version(), buf) == 0);

    /* A failure is recorded as this thread's last error. */
    FAILS(ray_client_value_int(1, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    CHECK(ray_client_last_error_code() == RAY_CLIENT_ERROR_NULL_ARGUMENT);
    CHECK(strstr(ray_client_last_error_message(), "NULL") != NULL);
    ray_client_error *e = NULL;
    OK(ray_client_last_error(&e));
    CHECK(e != NULL);
    CHECK(ray_client_error_code(e) == RAY_CLIENT_ERROR_NULL_ARGUMENT);
    CHECK(strcmp(ray_client_error_kind(e), "null_argument") == 0);
    CHECK(ray_client_error_remote_type(e) == NULL);
    CHECK(ray_client_error_traceback(e) == NULL);
    OK(ray_client_error_free(e));
    /* A freed error handle is refused, not dereferenced. */
    CHECK(ray_client_error_code(e) == RAY_CLIENT_ERROR_INVALID_HANDLE);
    CHECK(ray_client_error_message(e) == NULL);
    FAILS(ray_client_error_free(e), RAY_CLIENT_ERROR_INVALID_HANDLE);
    OK(ray_client_error_free(NULL));
    FAILS(ray_client_last_error(NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
}

static void test_values(void) {
    ray_client_value *v = NULL;
    int kind = -1;

    OK(ray_client_value_none(&v));
    OK(ray_client_value_kind(v, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_NONE);
    free_value(v);

    int b = -1;
    OK(ray_client_value_bool(1, &v));
    OK(ray_client_value_get_bool(v, &b));
    CHECK(b == 1);
    int64_t i = 0;
    FAILS(ray_client_value_get_int(v, &i), RAY_CLIENT_ERROR_INVALID_ARGUMENT); /* wrong kind */
    free_value(v);

    v = v_int(-42);
    CHECK(as_int(v) == -42);
    char *dec = NULL;
    OK(ray_client_value_get_bigint(v, &dec));
    CHECK(strcmp(dec, "-42") == 0);
    OK(ray_client_string_free(dec));
    FAILS(ray_client_string_free(dec), RAY_CLIENT_ERROR_INVALID_HANDLE); /* double free */
    free_value(v);

    OK(ray_client_value_bigint("123456789012345678901234567890", &v));
    OK(ray_client_value_kind(v, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_BIGINT);
    OK(ray_client_value_get_bigint(v, &dec));
    CHECK(strcmp(dec, "123456789012345678901234567890") == 0);
    OK(ray_client_string_free(dec));
    free_value(v);
    OK(ray_client_value_bigint("77", &v));
    OK(ray_client_value_kind(v, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_INT);
    free_value(v);
    FAILS(ray_client_value_bigint("12x", &v), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    CHECK(v == NULL);

    double f = 0;
    OK(ray_client_value_float(2.5, &v));
    OK(ray_client_value_get_float(v, &f));
    CHECK(f == 2.5);
    free_value(v);

    /* str: borrowed, not NUL-terminated, may hold NUL. */
    OK(ray_client_value_str_n("a\0b", 3, &v));
    const char *data = NULL;
    size_t len = 0;
    OK(ray_client_value_get_str(v, &data, &len));
    CHECK(len == 3 && memcmp(data, "a\0b", 3) == 0);
    free_value(v);
    FAILS(ray_client_value_str("\xff\xfe", &v), RAY_CLIENT_ERROR_INVALID_UTF8);
    FAILS(ray_client_value_str_n("\xc3", 1, &v), RAY_CLIENT_ERROR_INVALID_UTF8);
    FAILS(ray_client_value_str(NULL, &v), RAY_CLIENT_ERROR_NULL_ARGUMENT);

    const uint8_t raw[4] = {0, 1, 2, 255};
    const uint8_t *bp = NULL;
    OK(ray_client_value_bytes(raw, 4, &v));
    OK(ray_client_value_get_bytes(v, &bp, &len));
    CHECK(len == 4 && memcmp(bp, raw, 4) == 0);
    free_value(v);
    OK(ray_client_value_bytes(NULL, 0, &v)); /* empty is fine */
    free_value(v);
    FAILS(ray_client_value_bytes(NULL, 3, &v), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_value_bytes(raw, SIZE_MAX, &v), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_value_bytearray(raw, 2, &v));
    OK(ray_client_value_kind(v, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_BYTEARRAY);
    free_value(v);

    /* containers */
    ray_client_value *items[3] = {v_int(1), v_str("two"), NULL};
    OK(ray_client_value_none(&items[2]));
    ray_client_value *list = NULL, *tuple = NULL, *set = NULL, *fset = NULL, *dict = NULL;
    OK(ray_client_value_list((const ray_client_value *const *)items, 3, &list));
    OK(ray_client_value_tuple((const ray_client_value *const *)items, 2, &tuple));
    OK(ray_client_value_set((const ray_client_value *const *)items, 1, &set));
    OK(ray_client_value_frozenset((const ray_client_value *const *)items, 1, &fset));
    ray_client_value *keys[2] = {v_str("a"), v_str("b")};
    OK(ray_client_value_dict((const ray_client_value *const *)keys,
                             (const ray_client_value *const *)items, 2, &dict));
    OK(ray_client_value_len(list, &len));
    CHECK(len == 3);
    ray_client_value *item = NULL;
    OK(ray_client_value_item(list, 1, &item));
    CHECK(str_eq(item, "two"));
    free_value(item);
    FAILS(ray_client_value_item(list, 3, &item), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_value_item(items[0], 0, &item), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_value_kind(tuple, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_TUPLE);
    OK(ray_client_value_kind(set, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_SET);
    OK(ray_client_value_kind(fset, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_FROZENSET);
    ray_client_value *k = NULL, *x = NULL;
    OK(ray_client_value_dict_item(dict, 1, &k, &x));
    CHECK(str_eq(k, "b") && str_eq(x, "two"));
    free_value(k);
    free_value(x);
    OK(ray_client_value_dict_get(dict, "a", &x));
    CHECK(x != NULL && as_int(x) == 1);
    free_value(x);
    OK(ray_client_value_dict_get(dict, "zzz", &x));
    CHECK(x == NULL);
    /* An item handle that was freed makes a container constructor fail. */
    ray_client_value *gone = v_int(5);
    free_value(gone);
    const ray_client_value *bad[2] = {items[0], gone};
    FAILS(ray_client_value_list(bad, 2, &v), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_value_list(NULL, 2, &v), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_value_list((const ray_client_value *const *)items, SIZE_MAX, &v),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);

    /* JSON both ways */
    char *json = NULL;
    OK(ray_client_value_to_json(dict, &json));
    CHECK(strcmp(json, "{\"a\":1,\"b\":\"two\"}") == 0);
    ray_client_value *back = NULL;
    OK(ray_client_value_from_json(json, &back));
    int eq = 0;
    OK(ray_client_value_equal(dict, back, &eq));
    CHECK(eq == 1);
    free_value(back);
    OK(ray_client_string_free(json));
    FAILS(ray_client_value_from_json("{nope", &back), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_value_from_json("{\"$tuple\": [1, {\"$bytes\": \"AAE=\"}]}", &back));
    OK(ray_client_value_kind(back, &kind));
    CHECK(kind == RAY_CLIENT_VALUE_TUPLE);
    free_value(back);

    /* pickle both ways */
    uint8_t *pk = NULL;
    size_t pklen = 0;
    OK(ray_client_value_to_pickle(list, &pk, &pklen));
    CHECK(pk != NULL && pklen > 0);
    OK(ray_client_value_from_pickle(pk, pklen, &back));
    OK(ray_client_value_equal(list, back, &eq));
    CHECK(eq == 1);
    free_value(back);
    OK(ray_client_bytes_free(pk));
    FAILS(ray_client_bytes_free(pk), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_value_from_pickle((const uint8_t *)"garbage", 7, &back),
          RAY_CLIENT_ERROR_PICKLE);

    /* ndarray: copied in once, read without copy */
    double m[6] = {0, 1, 2, 3, 4, 5};
    size_t shape[2] = {2, 3};
    ray_client_value *arr = NULL;
    OK(ray_client_value_ndarray(RAY_CLIENT_DTYPE_FLOAT64, shape, 2, m, sizeof m, 0, &arr));
    m[0] = 99; /* the value owns a copy */
    int dtype = -1, fortran = -1;
    size_t ndim = 0, nbytes = 0;
    const size_t *sh = NULL;
    const void *dp = NULL;
    OK(ray_client_value_ndarray_info(arr, &dtype, &ndim, &sh, &dp, &nbytes, &fortran));
    CHECK(dtype == RAY_CLIENT_DTYPE_FLOAT64 && ndim == 2 && sh[0] == 2 && sh[1] == 3);
    CHECK(nbytes == 48 && fortran == 0);
    double first;
    memcpy(&first, dp, sizeof first);
    CHECK(first == 0);
    OK(ray_client_value_ndarray_info(arr, NULL, NULL, NULL, NULL, NULL, NULL));
    FAILS(ray_client_value_ndarray(RAY_CLIENT_DTYPE_FLOAT64, shape, 2, m, 47, 0, &v),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    size_t huge[2] = {SIZE_MAX, SIZE_MAX};
    FAILS(ray_client_value_ndarray(RAY_CLIENT_DTYPE_INT8, huge, 2, m, 48, 0, &v),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_value_ndarray(99, shape, 2, m, 48, 0, &v), RAY_CLIENT_ERROR_INVALID_ARGUMENT);

    /* clone shares the value; freeing one leaves the other */
    ray_client_value *c2 = NULL;
    OK(ray_client_value_clone(list, &c2));
    free_value(list);
    OK(ray_client_value_len(c2, &len));
    CHECK(len == 3);
    FAILS(ray_client_value_len(list, &len), RAY_CLIENT_ERROR_INVALID_HANDLE); /* freed */
    FAILS(ray_client_value_free(list), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_value_len((ray_client_value *)(uintptr_t)0x12345670, &len),
          RAY_CLIENT_ERROR_INVALID_HANDLE); /* made up */
    /* a handle of another type is refused */
    ray_client_options *opts = NULL;
    OK(ray_client_options_new(&opts));
    FAILS(ray_client_value_len((const ray_client_value *)(void *)opts, &len),
          RAY_CLIENT_ERROR_INVALID_HANDLE);
    OK(ray_client_options_free(opts));

    free_value(c2);
    free_value(arr);
    free_value(tuple);
    free_value(set);
    free_value(fset);
    free_value(dict);
    for (int j = 0; j < 3; j++) free_value(items[j]);
    for (int j = 0; j < 2; j++) free_value(keys[j]);
}

static void test_connect_errors(void) {
    ray_client_client *c = NULL;
    ray_client_connect_options *o = NULL;
    OK(ray_client_connect_options_new("ray://127.0.0.1:1", &o));
    OK(ray_client_connect_options_set_connect_timeout_ms(o, 300));
    FAILS(ray_client_connect(o, &c), RAY_CLIENT_ERROR_CONNECTION_FAILED);
    CHECK(c == NULL);
    FAILS(ray_client_connect_options_set_logs(o, 42), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_connect_options_set_runtime_env_json(o, "[1"),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_connect_options_free(o));
    FAILS(ray_client_connect_options_set_namespace(o, "x"), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_connect(o, &c), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_connect_address("\xff", &c), RAY_CLIENT_ERROR_INVALID_UTF8);
    FAILS(ray_client_connect_address(address, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_client_ping(NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_default_client(&c), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    CHECK(ray_client_is_initialized() == 0);
}

/* TLS and token options: argument checks, then real connections to the token and TLS
 * clusters tests/run-c starts (RC_TEST_AUTH_ADDRESS + RC_TEST_AUTH_TOKEN,
 * RC_TEST_TLS_ADDRESS + RC_TEST_TLS_DIR with tests/harness/tls-certs' files). */
static const char *required_env(const char *name) {
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "%s is not set (tests/run-c sets it)\n", name);
        failures++;
        return NULL;
    }
    return v;
}

static int last_error_contains(const char *needle) {
    return strstr(ray_client_last_error_message(), needle) != NULL;
}

static void test_security(void) {
    ray_client_client *c = NULL;
    ray_client_connect_options *o = NULL;
    OK(ray_client_connect_options_new(address, &o));
    FAILS(ray_client_connect_options_set_tls(o, 2), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_connect_options_set_tls(o, -1));
    OK(ray_client_connect_options_set_tls(o, 0));
    FAILS(ray_client_connect_options_set_tls_client_cert(o, "c.pem", NULL),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_connect_options_set_tls_client_cert(o, NULL, "k.pem"),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_connect_options_set_tls_client_cert(o, NULL, NULL));
    FAILS(ray_client_connect_options_set_tls_ca_cert(o, "\xff"), RAY_CLIENT_ERROR_INVALID_UTF8);
    OK(ray_client_connect_options_set_tls_server_name(o, "localhost"));
    OK(ray_client_connect_options_set_tls_server_name(o, NULL));
    FAILS(ray_client_connect_options_set_auth_token(o, " "), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_connect_options_set_auth_token(NULL, "t"), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    OK(ray_client_connect_options_set_auth_token(o, NULL));
    FAILS(ray_client_connect_options_add_header(o, NULL, "v"), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_connect_options_add_header(o, "x-a", "\xff"), RAY_CLIENT_ERROR_INVALID_UTF8);
    FAILS(ray_client_connect_options_add_header(NULL, "x-a", "v"), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    /* TLS with a CA file that does not exist: the caller's mistake, named. */
    OK(ray_client_connect_options_set_tls(o, 1));
    OK(ray_client_connect_options_set_tls_ca_cert(o, "/nonexistent/ca.crt"));
    FAILS(ray_client_connect(o, &c), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    CHECK(last_error_contains("/nonexistent/ca.crt"));
    CHECK(c == NULL);
    if (c) OK(ray_client_client_free(c));
    OK(ray_client_connect_options_free(o));
    FAILS(ray_client_connect_options_set_tls(o, 1), RAY_CLIENT_ERROR_INVALID_HANDLE);

    const char *auth_address = required_env("RC_TEST_AUTH_ADDRESS");
    const char *token = required_env("RC_TEST_AUTH_TOKEN");
    if (auth_address && token) {
        /* The right token. */
        OK(ray_client_connect_options_new(auth_address, &o));
        OK(ray_client_connect_options_set_auth_token(o, token));
        OK(ray_client_connect(o, &c));
        if (c) {
            OK(ray_client_client_ping(c));
            OK(ray_client_client_free(c));
            c = NULL;
        }
        /* A wrong one: authentication_failed, and the error shows neither token. */
        char wrong[256];
        snprintf(wrong, sizeof wrong, "wrong-%s", token);
        OK(ray_client_connect_options_set_auth_token(o, wrong));
        FAILS(ray_client_connect(o, &c), RAY_CLIENT_ERROR_AUTHENTICATION_FAILED);
        CHECK(c == NULL);
        CHECK(last_error_contains("rejected the authentication token"));
        CHECK(!last_error_contains(token));
        ray_client_error *e = NULL;
        OK(ray_client_last_error(&e));
        if (e) {
            CHECK(ray_client_error_code(e) == RAY_CLIENT_ERROR_AUTHENTICATION_FAILED);
            CHECK(strcmp(ray_client_error_kind(e), "authentication_failed") == 0);
            OK(ray_client_error_free(e));
        }
        OK(ray_client_connect_options_free(o));

        /* An "authorization" header (Python's _metadata, as behind an auth proxy) stands
           in for the token on every call; with the token option too, connect refuses. */
        char bearer[300];
        snprintf(bearer, sizeof bearer, "Bearer %s", token);
        OK(ray_client_connect_options_new(auth_address, &o));
        OK(ray_client_connect_options_add_header(o, "x-request-source", "ray-client tests"));
        OK(ray_client_connect_options_add_header(o, "Authorization", bearer));
        OK(ray_client_connect(o, &c));
        if (c) {
            ray_client_value *v = NULL, *back = NULL;
            ray_client_object_ref *r = NULL;
            OK(ray_client_value_int(7, &v));
            OK(ray_client_object_put(c, v, &r));
            OK(ray_client_object_get(c, r, -1, &back));
            int64_t got = 0;
            OK(ray_client_value_get_int(back, &got));
            CHECK(got == 7);
            ray_client_value_free(v);
            ray_client_value_free(back);
            ray_client_object_ref_free(r);
            OK(ray_client_client_free(c));
            c = NULL;
        }
        OK(ray_client_connect_options_set_auth_token(o, token));
        FAILS(ray_client_connect(o, &c), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
        CHECK(last_error_contains("give one"));
        OK(ray_client_connect_options_free(o));
        OK(ray_client_connect_options_new(auth_address, &o));
        OK(ray_client_connect_options_add_header(o, "client_id", "x"));
        FAILS(ray_client_connect(o, &c), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
        CHECK(last_error_contains("protocol sets"));
        OK(ray_client_connect_options_free(o));
    }

    const char *tls_address = required_env("RC_TEST_TLS_ADDRESS");
    const char *tls_dir = required_env("RC_TEST_TLS_DIR");
    if (tls_address && tls_dir) {
        char ca[1024], other_ca[1024], cert[1024], key[1024];
        snprintf(ca, sizeof ca, "%s/ca.crt", tls_dir);
        snprintf(other_ca, sizeof other_ca, "%s/other-ca.crt", tls_dir);
        snprintf(cert, sizeof cert, "%s/client.crt", tls_dir);
        snprintf(key, sizeof key, "%s/client.key", tls_dir);
        OK(ray_client_connect_options_new(tls_address, &o));
        OK(ray_client_connect_options_set_tls(o, 1));
        OK(ray_client_connect_options_set_tls_ca_cert(o, ca));
        OK(ray_client_connect_options_set_tls_client_cert(o, cert, key));
        OK(ray_client_connect(o, &c));
        if (c) {
            OK(ray_client_client_ping(c));
            OK(ray_client_client_free(c));
            c = NULL;
        }
        /* A CA that did not sign the server's certificate. */
        OK(ray_client_connect_options_set_tls_ca_cert(o, other_ca));
        FAILS(ray_client_connect(o, &c), RAY_CLIENT_ERROR_CONNECTION_FAILED);
        CHECK(c == NULL);
        CHECK(last_error_contains("certificate verification failed"));
        OK(ray_client_connect_options_free(o));
    }
}

/* Log lines collected by the log callback (runs on the I/O thread). */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_lines_seen = 0;
static void on_log(void *user, int level, const char *msg) {
    (void)level;
    pthread_mutex_lock(&log_mu);
    if (strstr(msg, (const char *)user) != NULL) log_lines_seen++;
    pthread_mutex_unlock(&log_mu);
}

static ray_client_client *connect_main(void) {
    /* The test's Python modules travel as the job's working_dir (RC_TEST_MODULES). */
    ray_client_connect_options *o = modules_options(address, "{\"RC_FFI\": \"yes\"}");
    OK(ray_client_connect_options_set_namespace(o, "cffi"));
    OK(ray_client_connect_options_set_connect_timeout_ms(o, 60000));
    OK(ray_client_connect_options_set_reconnect_grace_period_s(o, 0));
    OK(ray_client_connect_options_set_ignore_version_mismatch(o, 0));
    OK(ray_client_connect_options_set_log_callback(o, on_log, (void *)"ffi-log-marker"));
    return connect_and_free(o);
}

/* A task's print reaches the log callback (logs arrive asynchronously). */
static void test_logs(ray_client_client *c) {
    ray_client_value *marker = v_str("ffi-log-marker"), *res = NULL;
    const ray_client_value *args[1] = {marker};
    OK(call_get(c, "shout", args, 1, &res));
    free_value(res);
    free_value(marker);
    int seen = 0;
    for (int i = 0; i < 100 && !seen; i++) {
        pthread_mutex_lock(&log_mu);
        seen = log_lines_seen;
        pthread_mutex_unlock(&log_mu);
        if (!seen) nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    CHECK(seen > 0);
}

/* What a progress callback saw. */
struct progress_seen {
    pthread_mutex_t mu;
    int calls, backwards, over, first_zero;
    uint64_t last_done, last_total;
    pthread_t caller;
    int on_caller;
};

static void on_progress(void *user, uint64_t done, uint64_t total) {
    struct progress_seen *p = user;
    pthread_mutex_lock(&p->mu);
    if (p->calls == 0) p->first_zero = done == 0;
    if (done < p->last_done) p->backwards++;
    if (total && done > total) p->over++;
    if (pthread_equal(pthread_self(), p->caller)) p->on_caller++;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    pthread_mutex_unlock(&p->mu);
}

static void check_progress(struct progress_seen *p, size_t at_least) {
    CHECK(p->calls >= 2 && p->first_zero && !p->backwards && !p->over && !p->on_caller);
    CHECK(p->last_done == p->last_total && p->last_total >= at_least);
}

/* A large put and get report their progress (from a thread of the library's, from 0 to
   the whole, never backwards); NULL callbacks are fine. */
static void test_progress(ray_client_client *c) {
    size_t n = 64u << 20;
    uint8_t *data = malloc(n);
    memset(data, 0x5a, n);
    ray_client_value *v = NULL;
    OK(ray_client_value_bytes(data, n, &v));
    struct progress_seen put = {.mu = PTHREAD_MUTEX_INITIALIZER, .caller = pthread_self()};
    ray_client_object_ref *r = NULL;
    OK(ray_client_object_put_with_progress(c, v, on_progress, &put, &r));
    check_progress(&put, n);
    struct progress_seen get = {.mu = PTHREAD_MUTEX_INITIALIZER, .caller = pthread_self()};
    ray_client_value *back = NULL;
    OK(ray_client_object_get_with_progress(c, r, -1, on_progress, &get, &back));
    check_progress(&get, n);
    const uint8_t *got = NULL;
    size_t len = 0;
    OK(ray_client_value_get_bytes(back, &got, &len));
    CHECK(len == n && got && memcmp(got, data, n) == 0);
    free_value(back);
    back = NULL;
    OK(ray_client_object_get_with_progress(c, r, -1, NULL, NULL, &back));
    free_value(back);
    FAILS(ray_client_object_put_with_progress(NULL, v, on_progress, &put, &r), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    OK(ray_client_object_ref_free(r));
    free_value(v);
    free(data);
}

static void test_client_info(ray_client_client *c) {
    const char *ray_version = NULL, *python_version = NULL, *id = NULL, *addr = NULL, *ns = NULL;
    int32_t n = -1;
    OK(ray_client_client_server_info(c, &ray_version, NULL, &python_version, &n));
    CHECK(ray_version != NULL && strncmp(ray_version, "2.", 2) == 0);
    CHECK(python_version != NULL && python_version[0] == '3');
    OK(ray_client_client_info(c, &id, &addr, &ns));
    CHECK(id != NULL && strlen(id) == 32);
    CHECK(ns != NULL && strcmp(ns, "cffi") == 0);
    int connected = 0;
    OK(ray_client_client_is_connected(c, &connected));
    CHECK(connected == 1);
    OK(ray_client_client_ping(c));
}

static void test_put_get(ray_client_client *c) {
    ray_client_value *v = v_str("hello");
    ray_client_object_ref *r = NULL;
    OK(ray_client_object_put(c, v, &r));
    ray_client_value *got = NULL;
    OK(ray_client_object_get(c, r, -1, &got));
    CHECK(got != NULL && str_eq(got, "hello"));
    free_value(got);
    char *hex = NULL;
    OK(ray_client_object_ref_hex(r, &hex));
    CHECK(hex != NULL && strlen(hex) > 16);
    OK(ray_client_string_free(hex));

    /* get many */
    ray_client_object_ref *r2 = NULL, *rc = NULL;
    ray_client_value *v2 = v_int(7);
    OK(ray_client_object_put(c, v2, &r2));
    OK(ray_client_object_ref_clone(r, &rc));
    const ray_client_object_ref *refs[3] = {r, r2, rc};
    ray_client_value **values = NULL;
    OK(ray_client_object_get_many(c, refs, 3, 10000, &values));
    CHECK(values != NULL && str_eq(values[0], "hello") && as_int(values[1]) == 7 &&
          str_eq(values[2], "hello"));
    /* taking one out and freeing it early is fine */
    free_value(values[1]);
    values[1] = NULL;
    OK(ray_client_value_array_free(values));
    FAILS(ray_client_value_array_free(values), RAY_CLIENT_ERROR_INVALID_HANDLE);

    /* wait */
    /* (Ray refuses a wait on the same object twice: r and rc are one object.) */
    uint8_t ready[3] = {9, 9, 9};
    size_t nready = 0;
    OK(ray_client_object_wait(c, refs, 2, 2, 10000, ready, &nready));
    CHECK(nready == 2 && ready[0] == 1 && ready[1] == 1);
    FAILS(ray_client_object_wait(c, refs, 3, 4, 10, ready, &nready), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_object_wait(c, refs, 3, 1, 10, NULL, &nready), RAY_CLIENT_ERROR_NULL_ARGUMENT);

    /* a value holding a ref round-trips through the store */
    ray_client_value *holder = NULL;
    OK(ray_client_value_object_ref(r2, &holder));
    const ray_client_value *one[1] = {holder};
    ray_client_value *lst = NULL;
    OK(ray_client_value_list(one, 1, &lst));
    ray_client_object_ref *rl = NULL;
    OK(ray_client_object_put(c, lst, &rl));
    ray_client_value *lst_back = NULL, *inner = NULL;
    OK(ray_client_object_get(c, rl, 10000, &lst_back));
    OK(ray_client_value_item(lst_back, 0, &inner));
    ray_client_object_ref *inner_ref = NULL;
    OK(ray_client_value_get_object_ref(inner, &inner_ref));
    ray_client_value *seven = NULL;
    OK(ray_client_object_get(c, inner_ref, 10000, &seven));
    CHECK(as_int(seven) == 7);
    char *json = NULL;
    OK(ray_client_value_to_json(inner, &json));
    CHECK(strncmp(json, "{\"$ref\":", 8) == 0);
    OK(ray_client_string_free(json));
    uint8_t *pk = NULL;
    size_t pklen = 0;
    FAILS(ray_client_value_to_pickle(inner, &pk, &pklen), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    for (ray_client_value **p = (ray_client_value *[]){holder, lst, lst_back, inner, seven, NULL};
         *p; p++)
        free_value(*p);
    OK(ray_client_object_ref_free(inner_ref));
    OK(ray_client_object_ref_free(rl));

    /* misuse */
    FAILS(ray_client_object_get(c, NULL, 10, &got), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_object_get(NULL, r, 10, &got), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_object_get(c, r, 10, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_object_get(c, (const ray_client_object_ref *)(const void *)v, 10, &got),
          RAY_CLIENT_ERROR_INVALID_HANDLE); /* a value is not a ref */
    FAILS(ray_client_object_get_many(c, refs, SIZE_MAX, 10, &values), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_object_put(c, NULL, &r), RAY_CLIENT_ERROR_NULL_ARGUMENT);

    OK(ray_client_object_ref_free(rc));
    OK(ray_client_object_ref_free(r2));
    OK(ray_client_object_ref_free(r));
    FAILS(ray_client_object_ref_free(r), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_object_get(c, r, 10, &got), RAY_CLIENT_ERROR_INVALID_HANDLE); /* freed ref */
    OK(ray_client_object_ref_free(NULL));
    free_value(v);
    free_value(v2);
}

static void test_wrong_client(ray_client_client *c) {
    ray_client_client *other = NULL;
    OK(ray_client_connect_address(address, &other));
    ray_client_value *v = v_int(3);
    ray_client_object_ref *r = NULL;
    OK(ray_client_object_put(other, v, &r));
    ray_client_value *got = NULL;
    FAILS(ray_client_object_get(c, r, 1000, &got), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(ray_client_last_error_message(), "belongs to client") != NULL);
    ray_client_value *holder = NULL;
    OK(ray_client_value_object_ref(r, &holder));
    /* An argument list may hold it (lists belong to no client), a call on `c` may not;
     * `other` has no test module, so the function comes from source. */
    const ray_client_value *holders[1] = {holder};
    ray_client_args *args = args_of(holders, 1);
    ray_client_function *identity = NULL;
    OK(ray_client_function_from_source("def identity(x):\n    return x\n", "identity",
                                       &identity));
    ray_client_object_ref *r2 = NULL;
    FAILS_WITH(ray_client_function_call(c, identity, args, NULL, &r2, 1),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "belongs to client");
    CHECK(r2 == NULL);
    OK(call_function_get(other, identity, args, NULL, &got));
    CHECK(got != NULL && as_int(got) == 3);
    free_value(got);
    OK(ray_client_function_free(identity));
    OK(ray_client_args_free(args));
    OK(ray_client_object_get(other, r, 10000, &got));
    CHECK(as_int(got) == 3);
    free_value(got);
    /* after disconnect: connection lost, handles still valid to free */
    OK(ray_client_client_disconnect(other));
    FAILS(ray_client_object_get(other, r, 1000, &got), RAY_CLIENT_ERROR_CONNECTION_LOST);
    int connected = 1;
    OK(ray_client_client_is_connected(other, &connected));
    CHECK(connected == 0);
    OK(ray_client_object_ref_free(r));
    OK(ray_client_client_free(other));
    FAILS(ray_client_client_ping(other), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_client_free(other), RAY_CLIENT_ERROR_INVALID_HANDLE);
    free_value(holder);
    free_value(v);
}

static void test_kv(ray_client_client *c) {
    const char *key = "ffi-key";
    int existed = -1, found = -1, exists = -1;
    OK(ray_client_kv_put(c, (const uint8_t *)key, 7, (const uint8_t *)"v\0x", 3, 1, "ffi", &existed));
    uint8_t *val = NULL;
    size_t len = 0;
    OK(ray_client_kv_get(c, (const uint8_t *)key, 7, "ffi", &val, &len, &found));
    CHECK(found == 1 && len == 3 && memcmp(val, "v\0x", 3) == 0);
    OK(ray_client_bytes_free(val));
    OK(ray_client_kv_exists(c, (const uint8_t *)key, 7, "ffi", &exists));
    CHECK(exists == 1);
    ray_client_value *keys = NULL;
    OK(ray_client_kv_list(c, (const uint8_t *)"ffi-", 4, "ffi", &keys));
    size_t nkeys = 0;
    OK(ray_client_value_len(keys, &nkeys));
    CHECK(nkeys >= 1);
    free_value(keys);
    size_t deleted = 0;
    OK(ray_client_kv_del(c, (const uint8_t *)key, 7, 0, "ffi", &deleted));
    CHECK(deleted == 1);
    OK(ray_client_kv_get(c, (const uint8_t *)key, 7, "ffi", &val, &len, &found));
    CHECK(found == 0 && val == NULL);
    FAILS(ray_client_kv_get(c, NULL, 7, "ffi", &val, &len, &found), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_kv_get(c, (const uint8_t *)key, 7, "\xff", &val, &len, &found),
          RAY_CLIENT_ERROR_INVALID_UTF8);
    FAILS(ray_client_bytes_free((uint8_t *)key), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_string_free((char *)key), RAY_CLIENT_ERROR_INVALID_HANDLE);
}

static void test_cluster(ray_client_client *c) {
    char *s = NULL;
    OK(ray_client_cluster_resources(c, &s));
    CHECK(strstr(s, "\"CPU\"") != NULL);
    OK(ray_client_string_free(s));
    OK(ray_client_cluster_available_resources(c, &s));
    OK(ray_client_string_free(s));
    OK(ray_client_cluster_nodes(c, &s));
    CHECK(strstr(s, "NodeID") != NULL);
    OK(ray_client_string_free(s));
    OK(ray_client_client_runtime_context(c, &s));
    CHECK(strstr(s, "\"namespace\":\"cffi\"") != NULL);
    /* The test cluster's release sends the worker id: 56 hex digits. */
    const char *w = strstr(s, "\"worker_id\":\"");
    CHECK(w != NULL && strlen(w) > 13 + 56 && w[13 + 56] == '"');
    OK(ray_client_string_free(s));
    /* ray.timeline(): a task that ran shows once the cluster reported it (polled, no
       time limit). */
    {
        char src[128], name[64];
        snprintf(name, sizeof name, "c_timeline_marker_%ld", (long)getpid());
        snprintf(src, sizeof src, "def %s():\n    return 1\n", name);
        ray_client_function *f = NULL;
        OK(ray_client_function_from_source(src, name, &f));
        ray_client_value *one = NULL;
        OK(call_function_get(c, f, NULL, NULL, &one));
        free_value(one);
        OK(ray_client_function_free(f));
        for (;;) {
            char *events = NULL;
            OK(ray_client_cluster_timeline(c, &events));
            int seen = events && events[0] == '[' && strstr(events, name) != NULL;
            if (events) OK(ray_client_string_free(events));
            if (seen) break;
            nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
        }
    }
    /* A ref's task id is what the task itself reads, and the start of the object id. */
    {
        ray_client_function *f = test_function("my_task_id");
        ray_client_object_ref *r = NULL;
        char *task_id = NULL, *hex = NULL;
        OK(ray_client_function_call(c, f, NULL, NULL, &r, 1));
        OK(ray_client_object_ref_task_id(r, &task_id));
        OK(ray_client_object_ref_hex(r, &hex));
        CHECK(task_id && hex && strlen(task_id) == 48 && strncmp(hex, task_id, 48) == 0);
        ray_client_value *got = NULL;
        OK(get_and_free(c, r, &got));
        CHECK(got != NULL && task_id && str_eq(got, task_id));
        free_value(got);
        OK(ray_client_string_free(task_id));
        OK(ray_client_string_free(hex));
        OK(ray_client_function_free(f));
        FAILS(ray_client_object_ref_task_id(NULL, &task_id), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    }
    /* The runtime env's env_vars reached the workers. */
    ray_client_value *name = v_str("RC_FFI"), *value = NULL;
    const ray_client_value *args[1] = {name};
    OK(call_get(c, "env_var", args, 1, &value));
    CHECK(value != NULL && str_eq(value, "yes"));
    free_value(value);
    free_value(name);
    OK(ray_client_cluster_dashboard_url(c, &s));
    OK(ray_client_string_free(s));
    int init = 0;
    OK(ray_client_client_server_is_initialized(c, &init));
    CHECK(init == 1);
    FAILS(ray_client_cluster_nodes(c, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
}

static void test_placement_group(ray_client_client *c) {
    ray_client_placement_group *pg = NULL;
    FAILS(ray_client_placement_group_create(c, "[{\"CPU\": \"x\"}]", RAY_CLIENT_PLACEMENT_PACK,
                                            NULL, &pg),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_placement_group_create(c, "[{\"CPU\": 1}]", 77, NULL, &pg),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_placement_group_create(c, "[{\"CPU\": 1}]", RAY_CLIENT_PLACEMENT_PACK,
                                         "ffi-pg", &pg));
    int ready = 0;
    OK(ray_client_placement_group_wait(c, pg, 30000, &ready));
    CHECK(ready == 1);
    CHECK(ray_client_placement_group_id(pg) != NULL && strlen(ray_client_placement_group_id(pg)) > 8);
    char *table = NULL;
    OK(ray_client_placement_group_table(c, pg, &table));
    CHECK(strstr(table, "CREATED") != NULL);
    OK(ray_client_string_free(table));
    ray_client_options *o = NULL;
    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_num_cpus(o, 1));
    OK(ray_client_options_set_scheduling_placement_group(o, pg, 0, 0));
    ray_client_value *x = v_int(4), *res = NULL;
    const ray_client_value *xs[1] = {x};
    ray_client_args *args = args_of(xs, 1);
    ray_client_function *square = test_function("square");
    OK(call_function_get(c, square, args, o, &res));
    CHECK(res != NULL && as_int(res) == 16);
    free_value(res);
    free_value(x);
    OK(ray_client_args_free(args));
    OK(ray_client_function_free(square));
    OK(ray_client_options_free(o));
    OK(ray_client_placement_group_remove(c, pg));
    OK(ray_client_placement_group_free(pg));
    CHECK(ray_client_placement_group_id(pg) == NULL);

    /* Options: a detached named group, found by name and in the table of all groups. */
    OK(ray_client_placement_group_create_with(c, "[{\"CPU\": 0.5}]", RAY_CLIENT_PLACEMENT_PACK,
                                              "{\"name\": \"ffi-pg-detached\", \"lifetime\": \"detached\"}",
                                              &pg));
    OK(ray_client_placement_group_wait(c, pg, 60000, &ready));
    CHECK(ready == 1);
    ray_client_placement_group *found = NULL;
    OK(ray_client_placement_group_get(c, "ffi-pg-detached", &found));
    CHECK(found && strcmp(ray_client_placement_group_id(found), ray_client_placement_group_id(pg)) == 0);
    OK(ray_client_placement_group_table_all(c, &table));
    CHECK(strstr(table, ray_client_placement_group_id(pg)) != NULL);
    CHECK(strstr(table, "ffi-pg-detached") != NULL);
    OK(ray_client_string_free(table));
    OK(ray_client_placement_group_remove(c, pg));
    OK(ray_client_placement_group_free(found));
    OK(ray_client_placement_group_free(pg));
    FAILS_WITH(ray_client_placement_group_get(c, "ffi-pg-no-such-group", &found),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "ffi-pg-no-such-group");
    CHECK(found == NULL);
    FAILS_WITH(ray_client_placement_group_create_with(c, "[{\"CPU\": 1}]", RAY_CLIENT_PLACEMENT_PACK,
                                                      "{\"lifetime\": \"forever\"}", &pg),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "lifetime");
    FAILS_WITH(ray_client_placement_group_create_with(c, "[{\"CPU\": 1}]", RAY_CLIENT_PLACEMENT_PACK,
                                                      "{\"nmae\": \"typo\"}", &pg),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "nmae");
    FAILS(ray_client_placement_group_create_with(c, "[{\"CPU\": 1}]", RAY_CLIENT_PLACEMENT_PACK,
                                                 "[1]", &pg),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    CHECK(pg == NULL);

    /* A soft target node and a bundle label selector: the second node of the cluster. */
    const char *node2 = getenv("RAY_TEST_NODE_rc_node2");
    CHECK(node2 != NULL);
    if (node2 == NULL) return;
    char opts[512];
    for (int i = 0; i < 2; i++) {
        snprintf(opts, sizeof opts,
                 i == 0 ? "{\"_soft_target_node_id\": \"%s\"}"
                        : "{\"bundle_label_selector\": [{\"ray.io/node-id\": \"%s\"}]}",
                 node2);
        OK(ray_client_placement_group_create_with(
            c, "[{\"CPU\": 0.5}]",
            i == 0 ? RAY_CLIENT_PLACEMENT_STRICT_PACK : RAY_CLIENT_PLACEMENT_PACK, opts, &pg));
        OK(ray_client_placement_group_wait(c, pg, 60000, &ready));
        CHECK(ready == 1);
        OK(ray_client_placement_group_table(c, pg, &table));
        CHECK(strstr(table, node2) != NULL);
        OK(ray_client_string_free(table));
        OK(ray_client_placement_group_remove(c, pg));
        OK(ray_client_placement_group_free(pg));
    }
    /* The label_selector option. */
    snprintf(opts, sizeof opts, "{\"ray.io/node-id\": \"%s\"}", node2);
    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_json(o, "label_selector", opts));
    ray_client_function *node_id = test_function("node_id");
    ray_client_value *where = NULL;
    OK(call_function_get(c, node_id, NULL, o, &where));
    CHECK(where != NULL && str_eq(where, node2));
    if (where) free_value(where);
    OK(ray_client_function_free(node_id));
    OK(ray_client_options_free(o));
}

/* --- asynchronous completion ----------------------------------------------------------- */

struct async_state {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    ray_client_status status;
    int64_t int_value;
    ray_client_status blocking_status; /* a blocking call made inside the callback */
    size_t n, num_ready;
    ray_client_client *client;
    ray_client_object_ref *ref;
};

static void async_init(struct async_state *s, ray_client_client *c, ray_client_object_ref *r) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->client = c;
    s->ref = r;
}

static void async_done(struct async_state *s) {
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void async_wait(struct async_state *s) {
    pthread_mutex_lock(&s->mu);
    while (!s->done) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

static void on_get(void *user, ray_client_status status, ray_client_value *value,
                   ray_client_error *error) {
    struct async_state *s = user;
    s->status = status;
    if (value) {
        ray_client_value_get_int(value, &s->int_value);
        ray_client_value_free(value);
    }
    if (error) ray_client_error_free(error);
    /* Blocking calls fail here instead of deadlocking. */
    ray_client_value *v = NULL;
    s->blocking_status = ray_client_object_get(s->client, s->ref, 10, &v);
    async_done(s);
}

static void on_get_many(void *user, ray_client_status status, ray_client_value **values,
                        size_t n, ray_client_error *error) {
    struct async_state *s = user;
    s->status = status;
    s->n = n;
    if (values) {
        ray_client_value_get_int(values[0], &s->int_value);
        ray_client_value_array_free(values);
    }
    if (error) ray_client_error_free(error);
    async_done(s);
}

static void on_wait(void *user, ray_client_status status, const uint8_t *ready, size_t n,
                    size_t num_ready, ray_client_error *error) {
    struct async_state *s = user;
    s->status = status;
    s->n = n;
    s->num_ready = num_ready;
    s->int_value = ready ? ready[0] : -1;
    if (error) ray_client_error_free(error);
    async_done(s);
}

static void test_async(ray_client_client *c) {
    ray_client_value *x = v_int(9);
    const ray_client_value *xs[1] = {x};
    ray_client_args *args = args_of(xs, 1);
    ray_client_function *square = test_function("square"), *boom = test_function("boom");
    ray_client_object_ref *r = NULL;
    OK(ray_client_function_call(c, square, args, NULL, &r, 1));

    struct async_state s;
    async_init(&s, c, r);
    OK(ray_client_object_get_async(c, r, 60000, on_get, &s));
    async_wait(&s);
    CHECK(s.status == RAY_CLIENT_OK && s.int_value == 81);
    CHECK(s.blocking_status == RAY_CLIENT_ERROR_INVALID_ARGUMENT);

    const ray_client_object_ref *refs[1] = {r};
    async_init(&s, c, r);
    OK(ray_client_object_get_many_async(c, refs, 1, 60000, on_get_many, &s));
    async_wait(&s);
    CHECK(s.status == RAY_CLIENT_OK && s.n == 1 && s.int_value == 81);

    async_init(&s, c, r);
    OK(ray_client_object_wait_async(c, refs, 1, 1, 60000, on_wait, &s));
    async_wait(&s);
    CHECK(s.status == RAY_CLIENT_OK && s.n == 1 && s.num_ready == 1 && s.int_value == 1);

    /* an error reaches the callback */
    ray_client_object_ref *bad = NULL;
    OK(ray_client_function_call(c, boom, args, NULL, &bad, 1));
    async_init(&s, c, bad);
    OK(ray_client_object_get_async(c, bad, 60000, on_get, &s));
    async_wait(&s);
    CHECK(s.status == RAY_CLIENT_ERROR_TASK_ERROR);
    OK(ray_client_object_ref_free(bad));

    FAILS(ray_client_object_get_async(c, r, 10, NULL, &s), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_object_wait_async(c, refs, 1, 0, 10, on_wait, &s), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_object_ref_free(r));
    FAILS(ray_client_object_get_async(c, r, 10, on_get, &s), RAY_CLIENT_ERROR_INVALID_HANDLE);
    OK(ray_client_function_free(square));
    OK(ray_client_function_free(boom));
    OK(ray_client_args_free(args));
    free_value(x);
}

/* --- threads share a client and a function ------------------------------------------------ */

struct shared {
    ray_client_client *client;
    ray_client_function *square;
};

static void *thread_main(void *arg) {
    const struct shared *sh = arg;
    for (int i = 0; i < 5; i++) {
        ray_client_value *x = v_int(i), *res = NULL;
        const ray_client_value *xs[1] = {x};
        ray_client_args *args = args_of(xs, 1);
        if (call_function_get(sh->client, sh->square, args, NULL, &res) == RAY_CLIENT_OK) {
            CHECK(as_int(res) == i * i);
            free_value(res);
        } else {
            CHECK(0);
        }
        OK(ray_client_args_free(args));
        free_value(x);
    }
    return NULL;
}

static void test_threads(ray_client_client *c) {
    struct shared sh = {c, test_function("square")};
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, thread_main, &sh);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    OK(ray_client_function_free(sh.square));
}

static void test_default_client(void) {
    ray_client_client *d = NULL;
    OK(ray_client_init(NULL, &d));
    CHECK(ray_client_is_initialized() == 1);
    ray_client_client *d2 = NULL;
    FAILS(ray_client_init(NULL, &d2), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_default_client(&d2));
    ray_client_value *v = v_int(1);
    ray_client_object_ref *r = NULL;
    OK(ray_client_object_put(d2, v, &r));
    OK(ray_client_object_ref_free(r));
    free_value(v);
    OK(ray_client_shutdown());
    CHECK(ray_client_is_initialized() == 0);
    OK(ray_client_client_ping(d) == RAY_CLIENT_ERROR_CONNECTION_LOST ? RAY_CLIENT_OK : -1);
    OK(ray_client_client_free(d));
    OK(ray_client_client_free(d2));
}

int main(void) {
    address = test_address();
    if (address == NULL) return 2;
    setenv("RAY_ADDRESS", address, 1);

    test_version_and_errors();
    test_values();
    test_connect_errors();
    test_security();
    check_all_freed();

    ray_client_client *c = connect_main();
    if (c == NULL) return 1;
    test_client_info(c);
    test_put_get(c);
    test_progress(c);
    test_wrong_client(c);
    test_kv(c);
    test_cluster(c);
    test_placement_group(c);
    test_async(c);
    test_threads(c);

    test_logs(c);

    OK(ray_client_client_disconnect(c));
    OK(ray_client_client_free(c));
    test_default_client();
    check_all_freed();
    return tally("test_ffi");
}
