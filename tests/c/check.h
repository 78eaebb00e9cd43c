/* The tiny check framework of the C ABI tests: CHECK counts failures instead of stopping,
 * so one run reports every broken expectation; main returns the failure count's verdict. */
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

#endif
