/* quickstart.c: the C ABI of libray_client in one page.
 *
 *   quickstart [ray://host:port]     (default: $RAY_TEST_ADDRESS, then $RAY_ADDRESS;
 *                                     exits 77 when there is none)
 *
 * Connects, calls the stdlib function statistics.mean on the cluster, puts and gets an
 * object, and runs an actor defined from Python source. A call takes a function (or
 * actor class) handle, an argument list and a results array sized to the call's
 * num_returns (1 unless options say otherwise). Exits 0 on success. */
#include <ray_client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the last failure on this thread and jumps to `fail`. */
#define TRY(call)                                                                       \
    do {                                                                                \
        ray_client_status rc_ = (call);                                                 \
        if (rc_ != RAY_CLIENT_OK) {                                                     \
            fprintf(stderr, "%s:%d: %s failed (%d): %s\n", __FILE__, __LINE__, #call,   \
                    (int)rc_, ray_client_last_error_message());                         \
            goto fail;                                                                  \
        }                                                                               \
    } while (0)

static const char *ACTOR_SOURCE =
    "class Greeter:\n"
    "    def __init__(self, greeting):\n"
    "        self.greeting = greeting\n"
    "        self.count = 0\n"
    "    def greet(self, name):\n"
    "        self.count += 1\n"
    "        return '%s, %s! (#%d)' % (self.greeting, name, self.count)\n";

int main(int argc, char **argv) {
    const char *address = argc > 1 ? argv[1] : getenv("RAY_TEST_ADDRESS");
    if (address == NULL || address[0] == '\0') address = getenv("RAY_ADDRESS");
    if (address == NULL || address[0] == '\0') {
        fprintf(stderr, "usage: %s ray://host:port (or set RAY_TEST_ADDRESS / RAY_ADDRESS)\n",
                argv[0]);
        return 77; /* "skipped" for ctest */
    }
    int status = 1;
    ray_client_client *client = NULL;
    ray_client_value *list = NULL, *mean = NULL, *msg = NULL, *got = NULL, *hello = NULL;
    ray_client_value *greeting = NULL, *name = NULL;
    ray_client_value *items[4] = {NULL, NULL, NULL, NULL};
    ray_client_object_ref *ref = NULL, *put_ref = NULL, *greet_ref = NULL;
    ray_client_function *mean_fn = NULL;
    ray_client_actor_class *greeter_class = NULL;
    ray_client_args *args = NULL;
    ray_client_actor *greeter = NULL;

    printf("libray_client %s\n", ray_client_version());
    TRY(ray_client_connect_address(address, &client));
    const char *ray_version = NULL;
    TRY(ray_client_client_server_info(client, &ray_version, NULL, NULL, NULL));
    printf("connected to Ray %s\n", ray_version);

    /* statistics.mean([1, 2, 3, 4]) on the cluster; the argument list copies the value */
    for (int i = 0; i < 4; i++) TRY(ray_client_value_int(i + 1, &items[i]));
    TRY(ray_client_value_list((const ray_client_value *const *)items, 4, &list));
    TRY(ray_client_function_new("statistics", "mean", &mean_fn));
    TRY(ray_client_args_new(&args));
    TRY(ray_client_args_push(args, list));
    TRY(ray_client_function_call(client, mean_fn, args, NULL, &ref, 1));
    TRY(ray_client_object_get(client, ref, 60000, &mean));
    double m = 0;
    TRY(ray_client_value_get_float(mean, &m));
    printf("statistics.mean([1, 2, 3, 4]) = %g\n", m);
    if (m != 2.5) goto fail;

    /* put / get */
    TRY(ray_client_value_str("hello from C", &hello));
    TRY(ray_client_object_put(client, hello, &put_ref));
    TRY(ray_client_object_get(client, put_ref, 60000, &got));
    const char *text = NULL;
    size_t len = 0;
    TRY(ray_client_value_get_str(got, &text, &len));
    printf("get(put(...)) = %.*s\n", (int)len, text);
    if (len != strlen("hello from C")) goto fail;

    /* an actor from Python source: Greeter("Hello"), then greeter.greet("Ray"), reusing
     * the argument list */
    TRY(ray_client_actor_class_from_source(ACTOR_SOURCE, "Greeter", &greeter_class));
    TRY(ray_client_args_clear(args));
    TRY(ray_client_value_str("Hello", &greeting));
    TRY(ray_client_args_push(args, greeting));
    TRY(ray_client_actor_create(client, greeter_class, args, NULL, &greeter));
    TRY(ray_client_args_clear(args));
    TRY(ray_client_value_str("Ray", &name));
    TRY(ray_client_args_push(args, name));
    TRY(ray_client_actor_call(client, greeter, "greet", args, NULL, &greet_ref, 1));
    TRY(ray_client_object_get(client, greet_ref, 60000, &msg));
    TRY(ray_client_value_get_str(msg, &text, &len));
    printf("greeter.greet('Ray') = %.*s\n", (int)len, text);
    TRY(ray_client_actor_kill(client, greeter, 1));

    TRY(ray_client_client_disconnect(client));
    status = 0;
    printf("ok\n");
fail:
    for (int i = 0; i < 4; i++) ray_client_value_free(items[i]);
    ray_client_value_free(list);
    ray_client_value_free(mean);
    ray_client_value_free(hello);
    ray_client_value_free(got);
    ray_client_value_free(msg);
    ray_client_value_free(greeting);
    ray_client_value_free(name);
    ray_client_object_ref_free(ref);
    ray_client_object_ref_free(put_ref);
    ray_client_object_ref_free(greet_ref);
    ray_client_actor_free(greeter);
    ray_client_actor_class_free(greeter_class);
    ray_client_function_free(mean_fn);
    ray_client_args_free(args);
    ray_client_client_free(client);
    return status;
}
