/* Item streams through the C ABI against a real cluster at $RAY_TEST_ADDRESS: a
 * generator function's and an actor's generator method's items read as they are yielded
 * (blocking and asynchronous reads), the exception after the items before it, timeouts
 * that keep the stream's place, cancel and free stopping the generator (seen in the
 * cluster's KV store, where tests/python/rc_streams.py's generators write), and bad
 * input. Built and run under AddressSanitizer + UBSan by tests/run-c. */
#define _POSIX_C_SOURCE 200809L
#include "ray_client.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *NS = "rc_streams";

static ray_client_function *generator(const char *name) {
    ray_client_function *f = NULL;
    OK(ray_client_function_new("rc_streams", name, &f));
    return f;
}

/* A KV key of this run's own. */
static void make_key(char *buf, size_t n, const char *what) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    snprintf(buf, n, "c-%s-%d-%ld", what, (int)getpid(), (long)t.tv_nsec);
}

static void sleep_ms(long ms) {
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Waits (no time limit) until the generator writing `key` wrote key:stopped. */
static void wait_stopped(ray_client_client *c, const char *key) {
    char stopped[200];
    snprintf(stopped, sizeof stopped, "%s:stopped", key);
    for (;;) {
        uint8_t *value = NULL;
        size_t len = 0;
        int found = 0;
        OK(ray_client_kv_get(c, (const uint8_t *)stopped, strlen(stopped), NS, &value, &len,
                             &found));
        if (value) OK(ray_client_bytes_free(value));
        if (found) return;
        sleep_ms(50);
    }
}

/* Opens rc_streams.<name>(values...) as a stream (options may be NULL). */
static ray_client_item_stream *open_stream(ray_client_client *c, const char *name,
                                           const ray_client_value *const *values, size_t n,
                                           const ray_client_options *options) {
    ray_client_function *f = generator(name);
    ray_client_args *args = args_of(values, n);
    ray_client_item_stream *s = NULL;
    OK(ray_client_function_call_streaming(c, f, args, options, &s));
    OK(ray_client_args_free(args));
    OK(ray_client_function_free(f));
    return s;
}

/* Reads the next item, which must be the int `want`. */
static void next_is(ray_client_item_stream *s, int64_t want) {
    ray_client_value *v = NULL;
    OK(ray_client_item_stream_next(s, -1, &v));
    CHECK(v != NULL);
    if (v) {
        CHECK(as_int(v) == want);
        free_value(v);
    }
}

static void next_is_end(ray_client_item_stream *s) {
    ray_client_value *v = (ray_client_value *)1;
    OK(ray_client_item_stream_next(s, -1, &v));
    CHECK(v == NULL);
}

static void test_in_order(ray_client_client *c) {
    ray_client_value *n = v_int(300);
    ray_client_item_stream *s = open_stream(c, "count", (const ray_client_value *[]){n}, 1, NULL);
    free_value(n);
    size_t buffer = 0;
    OK(ray_client_item_stream_buffer(s, &buffer));
    CHECK(buffer == 1024);
    for (int64_t i = 0; i < 300; i++) next_is(s, i);
    next_is_end(s);
    next_is_end(s);
    OK(ray_client_item_stream_free(s));
}

static void test_exception_after_items(ray_client_client *c) {
    ray_client_value *n = v_int(2);
    ray_client_item_stream *s =
        open_stream(c, "fail_after", (const ray_client_value *[]){n}, 1, NULL);
    free_value(n);
    next_is(s, 0);
    next_is(s, 1);
    ray_client_value *v = NULL;
    FAILS_WITH(ray_client_item_stream_next(s, -1, &v), RAY_CLIENT_ERROR_TASK_ERROR,
               "boom after 2");
    CHECK(v == NULL);
    ray_client_error *e = NULL;
    OK(ray_client_last_error(&e));
    CHECK(e && strcmp(ray_client_error_cause_type(e), "ValueError") == 0);
    OK(ray_client_error_free(e));
    next_is_end(s);
    OK(ray_client_item_stream_free(s));
}

static void test_timeout_keeps_place(ray_client_client *c) {
    char key[128];
    make_key(key, sizeof key, "timeout");
    ray_client_value *n = v_int(2), *k = v_str(key);
    ray_client_item_stream *s =
        open_stream(c, "lockstep", (const ray_client_value *[]){n, k}, 2, NULL);
    free_value(n);
    free_value(k);
    next_is(s, 0);
    /* Item 1 cannot exist before the key is written. */
    ray_client_value *v = NULL;
    FAILS(ray_client_item_stream_next(s, 200, &v), RAY_CLIENT_ERROR_TIMEOUT);
    OK(ray_client_kv_put(c, (const uint8_t *)key, strlen(key), (const uint8_t *)"0", 1, 1, NS,
                         NULL));
    next_is(s, 1);
    OK(ray_client_kv_put(c, (const uint8_t *)key, strlen(key), (const uint8_t *)"1", 1, 1, NS,
                         NULL));
    next_is_end(s);
    OK(ray_client_item_stream_free(s));
}

static void test_cancel_and_free_stop_the_generator(ray_client_client *c) {
    char key[128];
    make_key(key, sizeof key, "cancel");
    ray_client_value *k = v_str(key);
    ray_client_item_stream *s = open_stream(c, "endless", (const ray_client_value *[]){k}, 1, NULL);
    next_is(s, 0);
    OK(ray_client_item_stream_cancel(s));
    next_is_end(s);
    OK(ray_client_item_stream_free(s));
    wait_stopped(c, key);

    /* Freed unread, with a buffer of 2 from the options. */
    make_key(key, sizeof key, "free");
    free_value(k);
    k = v_str(key);
    ray_client_options *o = NULL;
    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_json(o, "_generator_backpressure_num_objects", "2"));
    s = open_stream(c, "endless", (const ray_client_value *[]){k}, 1, o);
    size_t buffer = 0;
    OK(ray_client_item_stream_buffer(s, &buffer));
    CHECK(buffer == 2);
    next_is(s, 0);
    OK(ray_client_item_stream_free(s));
    wait_stopped(c, key);
    free_value(k);

    /* A buffer of 0 is refused. */
    OK(ray_client_options_set_json(o, "_generator_backpressure_num_objects", "0"));
    ray_client_function *f = generator("count");
    s = (ray_client_item_stream *)1;
    FAILS_WITH(ray_client_function_call_streaming(c, f, NULL, o, &s),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "buffer");
    CHECK(s == NULL);
    OK(ray_client_function_free(f));
    OK(ray_client_options_free(o));
}

/* Asynchronous reads: each callback starts the next read, from the I/O thread. */
struct async_reader {
    ray_client_item_stream *stream;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    int64_t next_expected;
    int in_order;
    int done;
    ray_client_status end_status;
};

static void on_item(void *user, ray_client_status status, ray_client_value *value,
                    ray_client_error *error) {
    struct async_reader *r = user;
    if (error) OK(ray_client_error_free(error));
    if (status == RAY_CLIENT_OK && value != NULL) {
        int64_t i = -1;
        ray_client_value_get_int(value, &i);
        ray_client_value_free(value);
        pthread_mutex_lock(&r->lock);
        if (i != r->next_expected) r->in_order = 0;
        r->next_expected++;
        pthread_mutex_unlock(&r->lock);
        if (ray_client_item_stream_next_async(r->stream, -1, on_item, r) == RAY_CLIENT_OK)
            return;
        status = ray_client_last_error_code();
    }
    pthread_mutex_lock(&r->lock);
    r->done = 1;
    r->end_status = status;
    pthread_cond_signal(&r->done_cond);
    pthread_mutex_unlock(&r->lock);
}

static void test_async_reads(ray_client_client *c) {
    ray_client_value *n = v_int(200);
    struct async_reader r = {.in_order = 1};
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.done_cond, NULL);
    r.stream = open_stream(c, "count", (const ray_client_value *[]){n}, 1, NULL);
    free_value(n);
    OK(ray_client_item_stream_next_async(r.stream, -1, on_item, &r));
    pthread_mutex_lock(&r.lock);
    while (!r.done) pthread_cond_wait(&r.done_cond, &r.lock);
    pthread_mutex_unlock(&r.lock);
    CHECK(r.end_status == RAY_CLIENT_OK);
    CHECK(r.in_order);
    CHECK(r.next_expected == 200);
    FAILS(ray_client_item_stream_next_async(r.stream, -1, NULL, &r),
          RAY_CLIENT_ERROR_NULL_ARGUMENT);
    OK(ray_client_item_stream_free(r.stream));
    pthread_cond_destroy(&r.done_cond);
    pthread_mutex_destroy(&r.lock);
}

static void test_actor_methods(ray_client_client *c) {
    ray_client_actor_class *cls = NULL;
    OK(ray_client_actor_class_new("rc_streams", "Streamer", &cls));
    ray_client_value *base = v_int(10);
    ray_client_args *args = args_of((const ray_client_value *[]){base}, 1);
    ray_client_actor *a = NULL;
    OK(ray_client_actor_create(c, cls, args, NULL, &a));
    OK(ray_client_args_free(args));
    free_value(base);
    ray_client_value *n = v_int(4);
    args = args_of((const ray_client_value *[]){n}, 1);
    ray_client_item_stream *s = NULL;
    OK(ray_client_actor_call_streaming(c, a, "count", args, NULL, &s));
    for (int64_t i = 0; i < 4; i++) next_is(s, 10 + i);
    next_is_end(s);
    OK(ray_client_item_stream_free(s));
    FAILS(ray_client_actor_call_streaming(c, a, "", args, NULL, &s),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_actor_call_streaming(c, a, NULL, args, NULL, &s),
          RAY_CLIENT_ERROR_NULL_ARGUMENT);
    OK(ray_client_args_free(args));
    free_value(n);
    OK(ray_client_actor_free(a));
    OK(ray_client_actor_class_free(cls));
}

/* num_returns="dynamic": one ref, whose value is the list of the items' refs. */
static void test_dynamic_generator(ray_client_client *c) {
    ray_client_options *o = NULL;
    OK(ray_client_options_new(&o));
    OK(ray_client_options_set_json(o, "num_returns", "\"dynamic\""));
    ray_client_function *f = generator("count");
    ray_client_value *n = v_int(3);
    ray_client_args *args = args_of((const ray_client_value *[]){n}, 1);
    ray_client_value *list = NULL;
    OK(call_function_get(c, f, args, o, &list));
    size_t len = 0;
    OK(ray_client_value_len(list, &len));
    CHECK(len == 3);
    for (size_t i = 0; i < len; i++) {
        ray_client_value *item = NULL, *got = NULL;
        ray_client_object_ref *r = NULL;
        OK(ray_client_value_item(list, i, &item));
        OK(ray_client_value_get_object_ref(item, &r));
        OK(get_and_free(c, r, &got));
        CHECK(got && as_int(got) == (int64_t)i);
        if (got) free_value(got);
        free_value(item);
    }
    free_value(list);
    free_value(n);
    OK(ray_client_args_free(args));
    OK(ray_client_function_free(f));
    OK(ray_client_options_free(o));
}

static void test_misuse(ray_client_client *c) {
    ray_client_value *v = NULL;
    FAILS(ray_client_item_stream_next(NULL, -1, &v), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    ray_client_value *n = v_int(1);
    ray_client_item_stream *s = open_stream(c, "count", (const ray_client_value *[]){n}, 1, NULL);
    free_value(n);
    FAILS(ray_client_item_stream_next(s, -1, NULL), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    OK(ray_client_item_stream_free(s));
    FAILS(ray_client_item_stream_next(s, -1, &v), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_item_stream_cancel(s), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_item_stream_free(s), RAY_CLIENT_ERROR_INVALID_HANDLE);
    OK(ray_client_item_stream_free(NULL));
    /* Another handle type in its place. */
    FAILS(ray_client_item_stream_next((const ray_client_item_stream *)c, -1, &v),
          RAY_CLIENT_ERROR_INVALID_HANDLE);
    ray_client_function *f = generator("count");
    FAILS(ray_client_function_call_streaming(c, f, NULL, NULL, NULL),
          RAY_CLIENT_ERROR_NULL_ARGUMENT);
    OK(ray_client_function_free(f));
}

int main(void) {
    const char *address = test_address();
    if (address == NULL) return 2;
    ray_client_client *c = connect_and_free(modules_options(address, NULL));
    if (c == NULL) return 1;
    test_in_order(c);
    test_exception_after_items(c);
    test_timeout_keeps_place(c);
    test_cancel_and_free_stop_the_generator(c);
    test_async_reads(c);
    test_actor_methods(c);
    test_dynamic_generator(c);
    test_misuse(c);
    OK(ray_client_client_disconnect(c));
    OK(ray_client_client_free(c));
    check_all_freed();
    return tally("test_streams");
}
