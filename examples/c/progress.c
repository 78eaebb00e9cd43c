/* A large object to the cluster and back with progress bars:
 * ray_client_object_put_with_progress and ray_client_object_get_with_progress report
 * (bytes done, bytes total) from a thread of the library's, at most ten times a second,
 * the last report before the call returns.
 *
 *   progress_c [ray://host:port] [MiB, default 1024]   (address: $RAY_TEST_ADDRESS or
 *                                                       $RAY_ADDRESS; exits 77 without)
 */
#include <ray_client.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Draws `done` of `total` as a bar on one line of stderr; `user` names the transfer. */
static void bar(void *user, uint64_t done, uint64_t total) {
    const int width = 40;
    int filled = total ? (int)(done * (uint64_t)width / total) : 0;
    char cells[41];
    for (int i = 0; i < width; i++) cells[i] = i < filled ? '#' : ' ';
    cells[width] = 0;
    if (total)
        fprintf(stderr, "\r%s [%s] %7.1f / %.1f MiB", (const char *)user, cells,
                done / 1048576.0, total / 1048576.0);
    else
        fprintf(stderr, "\r%s [%s] %7.1f / ? MiB", (const char *)user, cells, done / 1048576.0);
    if (total && done == total) fputc('\n', stderr);
    fflush(stderr);
}

static int fail(const char *what) {
    fprintf(stderr, "%s: %s\n", what, ray_client_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    const char *address = argc > 1 && argv[1][0] ? argv[1] : getenv("RAY_TEST_ADDRESS");
    if (address == NULL || address[0] == '\0') address = getenv("RAY_ADDRESS");
    if (address == NULL || address[0] == '\0') {
        fprintf(stderr, "no cluster address (argument, RAY_TEST_ADDRESS or RAY_ADDRESS)\n");
        return 77;
    }
    size_t mib = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 1024;
    size_t n = mib << 20;
    uint8_t *data = malloc(n ? n : 1);
    if (!data) return 1;
    memset(data, 0x2a, n);

    ray_client_client *c = NULL;
    if (ray_client_connect_address(address, &c) != RAY_CLIENT_OK) return fail("connect");
    ray_client_value *v = NULL;
    ray_client_object_ref *r = NULL;
    ray_client_value *back = NULL;
    int rc = 1;
    if (ray_client_value_bytes(data, n, &v) != RAY_CLIENT_OK) rc = fail("value");
    else if (ray_client_object_put_with_progress(c, v, bar, "put", &r) != RAY_CLIENT_OK)
        rc = fail("put");
    else if (ray_client_object_get_with_progress(c, r, -1, bar, "get", &back) != RAY_CLIENT_OK)
        rc = fail("get");
    else {
        const uint8_t *got = NULL;
        size_t len = 0;
        ray_client_value_get_bytes(back, &got, &len);
        rc = len == n && (n == 0 || memcmp(got, data, n) == 0) ? 0 : 1;
        printf("%zu MiB: %s\n", mib, rc == 0 ? "the same bytes back" : "DIFFERENT bytes back");
    }
    ray_client_value_free(back);
    ray_client_object_ref_free(r);
    ray_client_value_free(v);
    ray_client_client_free(c);
    free(data);
    return rc;
}
