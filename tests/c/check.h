/* The tiny check framework of the C ABI tests: CHECK counts failures instead of stopping,
 * so one run reports every broken expectation; main returns the failure count's verdict.
 * Plus the one call helper the suites share. */
#ifndef RAY_CLIENT_TESTS_CHECK_H
#define RAY_CLIENT_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

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
        int rc_ = (call);                                                              \
        CHECK(rc_ == (code));                                                          \
        CHECK(ray_client_last_error_code() == (code));                                 \
        CHECK(strstr(ray_client_last_error_message(), (needle)) != NULL);              \
    } while (0)

/* Calls rc_test_tasks.<fn>(args...) and gets its result into `*out`; returns the status
 * of the call or, when it was accepted, of the get. */
static inline int call_get(ray_client_client *c, const char *fn,
                           const ray_client_value *const *args, size_t nargs,
                           ray_client_value **out) {
    ray_client_object_ref *r = NULL;
    int rc = ray_client_call(c, "rc_test_tasks", fn, args, nargs, NULL, NULL, 0, NULL, &r);
    if (rc != RAY_CLIENT_OK) return rc;
    rc = ray_client_object_get(c, r, 60000, out);
    OK(ray_client_object_ref_free(r));
    return rc;
}

#endif
