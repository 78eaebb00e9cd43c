/* Links against an installed libray_client; pings the cluster when given an address. */
#include <ray_client.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (strcmp(ray_client_version(), "0.1.0") != 0 && RAY_CLIENT_VERSION_MAJOR == 0 &&
        RAY_CLIENT_VERSION_MINOR == 1) {
        fprintf(stderr, "header/library mismatch: %s\n", ray_client_version());
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
