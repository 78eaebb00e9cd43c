/* Links against an installed libray_client; pings the cluster when given an address. */
#include <ray_client.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    /* The header compiled in and the library loaded are one MAJOR.MINOR (a check pinned
     * to one version would go silent at the next). */
    char want[32];
    snprintf(want, sizeof want, "%d.%d.", RAY_CLIENT_VERSION_MAJOR, RAY_CLIENT_VERSION_MINOR);
    if (strncmp(ray_client_version(), want, strlen(want)) != 0) {
        fprintf(stderr, "header/library mismatch: header %s*, library %s\n", want,
                ray_client_version());
        return 1;
    }
    ray_client_value *v = NULL;
    char *json = NULL;
    if (ray_client_value_from_json("{\"a\": [1, 2.5, \"x\"]}", &v) != RAY_CLIENT_OK ||
        ray_client_value_to_json(v, &json) != RAY_CLIENT_OK) {
        fprintf(stderr, "value: %s\n", ray_client_last_error_message());
        return 1;
    }
    printf("c consumer: libray_client %s, %s\n", ray_client_version(), json);
    ray_client_string_free(json);
    ray_client_value_free(v);
    if (argc > 1) {
        ray_client_client *c = NULL;
        if (ray_client_connect_address(argv[1], &c) != RAY_CLIENT_OK || ray_client_client_ping(c) != RAY_CLIENT_OK) {
            fprintf(stderr, "connect: %s\n", ray_client_last_error_message());
            return 1;
        }
        printf("c consumer: ping ok\n");
        ray_client_client_free(c);
    }
    return 0;
}
