/* The tiny check framework of the C ABI tests: CHECK counts failures instead of stopping,
 * so one run reports every broken expectation; main returns the failure count's verdict.
 * Plus the helpers the suites share: the cluster's address and the end of main, one-line
 * values, connect options that ship the test module, connecting, and calls (of
 * rc_test_tasks' functions, of actor methods). Every suite defines
 * _POSIX_C_SOURCE 200809L (for nanosleep) before including it. */
#ifndef RAY_CLIENT_TESTS_CHECK_H
#define RAY_CLIENT_TESTS_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ray_client.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error %d: %s)\n", __FILE__, \
                    __LINE__, #cond, ray_client_last_error_code(),                     \
                    ray_client_last_error_message());                                  \
        }                                                                              \
    } while (0)

#define OK(call) CHECK((call) == RAY_CLIENT_OK)
#define FAILS(call, code) CHECK((call) == (code))

/* The call fails with `code` and leaves a message containing `needle`. */
#define FAILS_WITH(call, code, needle)                                                 \
    do {                                                                               \
        ray_client_status rc_ = (call);                                                \
        CHECK(rc_ == (code));                                                          \
        CHECK(ray_client_last_error_code() == (code));                                 \
        CHECK(strstr(ray_client_last_error_message(), (needle)) != NULL);              \
    } while (0)

/* The cluster the suites run against, $RAY_TEST_ADDRESS; NULL, said on stderr, when it
 * is not set (main then returns 2). */
static inline const char *test_address(void) {
    const char *address = getenv("RAY_TEST_ADDRESS");
    if (!address || !*address) {
        fprintf(stderr, "RAY_TEST_ADDRESS is not set\n");
        return NULL;
    }
    return address;
}

/* Every handle and buffer the suite was handed has been freed. */
static inline void check_all_freed(void) {
    size_t live = ray_client_live_handles();
    if (live != 0) fprintf(stderr, "%zu handles or buffers still live\n", live);
    CHECK(live == 0);
}

/* The end of a suite's main: prints the tally and returns the exit status. */
static inline int tally(const char *suite) {
    printf("%s: %d checks, %d failures\n", suite, checks, failures);
    return failures == 0 ? 0 : 1;
}

/* Values in one line: made, read and freed with the CHECK of each step. */
static inline ray_client_value *v_int(int64_t i) {
    ray_client_value *v = NULL;
    OK(ray_client_value_int(i, &v));
    return v;
}

static inline ray_client_value *v_str(const char *s) {
    ray_client_value *v = NULL;
    OK(ray_client_value_str(s, &v));
    return v;
}

static inline int64_t as_int(const ray_client_value *v) {
    int64_t i = -999;
    OK(ray_client_value_get_int(v, &i));
    return i;
}

static inline void free_value(ray_client_value *v) { OK(ray_client_value_free(v)); }

/* Whether `v` is the str `want`. */
static inline int str_eq(const ray_client_value *v, const char *want) {
    const char *data = NULL;
    size_t len = 0;
    if (ray_client_value_get_str(v, &data, &len) != RAY_CLIENT_OK) return 0;
    return len == strlen(want) && memcmp(data, want, len) == 0;
}

/* Connect options for `address` that ship tests/python (RC_TEST_MODULES) as the job's
 * working_dir, so rc_test_tasks is importable on the cluster; `env_vars` (a JSON object,
 * or NULL) goes into the same runtime env. The caller frees the options. */
static inline ray_client_connect_options *modules_options(const char *address,
                                                          const char *env_vars) {
    ray_client_connect_options *o = NULL;
    OK(ray_client_connect_options_new(address, &o));
    const char *modules = getenv("RC_TEST_MODULES");
    char env[4096];
    snprintf(env, sizeof env,
             "{\"env_vars\": %s, \"working_dir\": \"%s\", \"excludes\": [\"__pycache__\"]}",
             env_vars ? env_vars : "{}", modules ? modules : "tests/python");
    OK(ray_client_connect_options_set_runtime_env_json(o, env));
    return o;
}

/* Connects with `o` and frees it; NULL, said on stderr, when the connect fails. */
static inline ray_client_client *connect_and_free(ray_client_connect_options *o) {
    ray_client_client *c = NULL;
    OK(ray_client_connect(o, &c));
    if (c == NULL) fprintf(stderr, "could not connect: %s\n", ray_client_last_error_message());
    OK(ray_client_connect_options_free(o));
    return c;
}

/* rc_test_tasks.<name>, a function of the test module. The caller frees it. */
static inline ray_client_function *test_function(const char *name) {
    ray_client_function *f = NULL;
    OK(ray_client_function_new("rc_test_tasks", name, &f));
    return f;
}

/* An argument list of the `n` positional `values`. The caller frees it. */
static inline ray_client_args *args_of(const ray_client_value *const *values, size_t n) {
    ray_client_args *args = NULL;
    OK(ray_client_args_new(&args));
    for (size_t i = 0; i < n; i++) OK(ray_client_args_push(args, values[i]));
    return args;
}

/* Gets the value of `r` into `*out` and frees the ref; returns the get's status. */
static inline ray_client_status get_and_free(ray_client_client *c, ray_client_object_ref *r,
                                             ray_client_value **out) {
    ray_client_status rc = ray_client_object_get(c, r, 60000, out);
    OK(ray_client_object_ref_free(r));
    return rc;
}

/* Calls `f(*args)` (with `options`, which may be NULL) for its one result and gets it into
 * `*out`; returns the status of the call or, when it was accepted, of the get. */
static inline ray_client_status call_function_get(ray_client_client *c,
                                                  const ray_client_function *f,
                                                  const ray_client_args *args,
                                                  const ray_client_options *options,
                                                  ray_client_value **out) {
    ray_client_object_ref *r = NULL;
    ray_client_status rc = ray_client_function_call(c, f, args, options, &r, 1);
    return rc != RAY_CLIENT_OK ? rc : get_and_free(c, r, out);
}

/* Calls `actor.method(*args)` for its one result and gets it into `*out`, as
 * call_function_get. */
static inline ray_client_status call_method_get(ray_client_client *c,
                                                const ray_client_actor *actor,
                                                const char *method,
                                                const ray_client_args *args,
                                                ray_client_value **out) {
    ray_client_object_ref *r = NULL;
    ray_client_status rc = ray_client_actor_call(c, actor, method, args, NULL, &r, 1);
    return rc != RAY_CLIENT_OK ? rc : get_and_free(c, r, out);
}

/* Kills `actor` (no restart) and calls its argument-less `method` until a call fails:
 * ray.kill is asynchronous, so calls sent right after it may still be served. Returns
 * the failure (RAY_CLIENT_OK if the actor outlived 100 tries, 10 s). */
static inline ray_client_status kill_and_call(ray_client_client *c,
                                              const ray_client_actor *actor,
                                              const char *method) {
    OK(ray_client_actor_kill(c, actor, 1));
    ray_client_status rc = RAY_CLIENT_OK;
    for (int i = 0; i < 100 && rc == RAY_CLIENT_OK; i++) {
        ray_client_value *v = NULL;
        rc = call_method_get(c, actor, method, NULL, &v);
        if (rc == RAY_CLIENT_OK) {
            free_value(v);
            nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
        }
    }
    return rc;
}

/* Calls rc_test_tasks.<fn>(values...) and gets its result into `*out`, as
 * call_function_get. */
static inline ray_client_status call_get(ray_client_client *c, const char *fn,
                                         const ray_client_value *const *values, size_t n,
                                         ray_client_value **out) {
    ray_client_function *f = test_function(fn);
    ray_client_args *args = args_of(values, n);
    ray_client_status rc = call_function_get(c, f, args, NULL, out);
    OK(ray_client_args_free(args));
    OK(ray_client_function_free(f));
    return rc;
}

#endif
