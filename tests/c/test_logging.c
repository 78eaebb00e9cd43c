/* The library's diagnostics and the job's logging options through the C ABI against a
 * real cluster at $RAY_TEST_ADDRESS: the diagnostic callback gets each connect's steps at
 * DEBUG (no header's value) and nothing when off; Python's ray.init(logging_config=...,
 * log_to_driver=..., logging_level=...): a JSON logging configuration formats and
 * filters the workers' records as the log callback receives them, log_to_driver=0 keeps
 * a task's output on the cluster, and bad values are refused where they are set. Built
 * and run under AddressSanitizer + UBSan by tests/run-c. */
#define _POSIX_C_SOURCE 200809L
#include "ray_client.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What one client's log callback received, kept whole (a mutex and a condition variable
 * let the test wait for a line without a time limit). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char text[1 << 16];
    size_t len;
} heard;

static void on_log(void *user, int level, const char *msg) {
    (void)level;
    heard *h = user;
    pthread_mutex_lock(&h->mu);
    size_t n = strlen(msg);
    if (h->len + n < sizeof h->text) {
        memcpy(h->text + h->len, msg, n + 1);
        h->len += n;
    }
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* A diagnostic as one line of `heard`: "<level> <target> <message>". */
static void on_diagnostic(void *user, int level, const char *target, const char *message) {
    char line[4096];
    snprintf(line, sizeof line, "%d %s %s\n", level, target, message);
    on_log(user, 0, line);
}

static void heard_init(heard *h) {
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->text[0] = 0;
    h->len = 0;
}

/* Waits until `needle` was heard; returns a copy of its line (the caller frees it). */
static char *wait_for(heard *h, const char *needle) {
    pthread_mutex_lock(&h->mu);
    char *at;
    while ((at = strstr(h->text, needle)) == NULL) pthread_cond_wait(&h->cv, &h->mu);
    char *start = at;
    while (start > h->text && start[-1] != '\n') start--;
    size_t n = strcspn(start, "\n");
    char *line = strndup(start, n);
    pthread_mutex_unlock(&h->mu);
    return line;
}

static int was_heard(heard *h, const char *needle) {
    pthread_mutex_lock(&h->mu);
    int yes = strstr(h->text, needle) != NULL;
    pthread_mutex_unlock(&h->mu);
    return yes;
}

static ray_client_connect_options *options_heard_by(heard *h) {
    ray_client_connect_options *o = modules_options(test_address(), NULL);
    OK(ray_client_connect_options_set_log_callback(o, on_log, h));
    return o;
}

/* Returns the client, which hears its tasks' output, for the next test (NULL on failure). */
static ray_client_client *test_logging_config(heard *h) {
    ray_client_connect_options *o = options_heard_by(h);
    /* Its server's ray logger at debug level too. */
    OK(ray_client_connect_options_set_logging_level(o, "debug"));
    OK(ray_client_connect_options_set_logging_config_json(
        o, "{\"encoding\": \"JSON\", \"log_level\": \"debug\","
           " \"additional_log_standard_attrs\": [\"name\"]}"));
    ray_client_client *c = connect_and_free(o);
    if (!c) return NULL;
    char marker[64];
    snprintf(marker, sizeof marker, "c-debug-record-%d", (int)getpid());
    ray_client_value *name = v_str("rc_c_log"), *level = v_int(10), *msg = v_str(marker);
    const ray_client_value *args[3] = {name, level, msg};
    ray_client_value *root_level = NULL;
    OK(call_get(c, "log_record", args, 3, &root_level));
    /* The workers' root logger is at DEBUG, as configured (Ray's default is INFO). */
    CHECK(root_level && as_int(root_level) == 10);
    char *line = wait_for(h, marker);
    /* One JSON object per record, with the level and the attribute asked for. */
    CHECK(strchr(line, '{') != NULL);
    CHECK(strstr(line, "\"levelname\": \"DEBUG\"") != NULL);
    CHECK(strstr(line, "\"name\": \"rc_c_log\"") != NULL);
    free(line);
    free_value(root_level);
    free_value(name);
    free_value(level);
    free_value(msg);
    return c;
}

/* `loud` hears its tasks' output in `loud_heard`. */
static void test_log_to_driver(ray_client_client *loud, heard *loud_heard) {
    static heard quiet_heard;
    heard_init(&quiet_heard);
    ray_client_connect_options *o = options_heard_by(&quiet_heard);
    OK(ray_client_connect_options_set_log_to_driver(o, 0));
    ray_client_client *quiet = connect_and_free(o);
    if (!quiet) return;
    char unheard[64], control[64];
    snprintf(unheard, sizeof unheard, "c-unheard-%d", (int)getpid());
    snprintf(control, sizeof control, "c-heard-%d", (int)getpid());
    ray_client_value *a = v_str(unheard), *b = v_str(control), *r = NULL;
    OK(call_get(quiet, "shout", (const ray_client_value *[]){a}, 1, &r));
    free_value(r);
    /* The same output from a client that hears it, after the quiet one's: once it has
       arrived, the quiet one's had its chance too (and two seconds more). */
    OK(call_get(loud, "shout", (const ray_client_value *[]){b}, 1, &r));
    free_value(r);
    free(wait_for(loud_heard, control));
    nanosleep(&(struct timespec){2, 0}, NULL);
    CHECK(!was_heard(&quiet_heard, unheard));
    free_value(a);
    free_value(b);
    OK(ray_client_client_free(quiet));
}

static void test_bad_values(void) {
    ray_client_connect_options *o = modules_options(test_address(), NULL);
    FAILS_WITH(ray_client_connect_options_set_logging_level(o, "loud"),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "not a logging level");
    FAILS_WITH(ray_client_connect_options_set_logging_config_json(o, "{\"encoding\": \"XML\"}"),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "not TEXT or JSON");
    FAILS_WITH(ray_client_connect_options_set_logging_config_json(
                   o, "{\"additional_log_standard_attrs\": [\"colour\"]}"),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "not a standard logging attribute");
    FAILS_WITH(ray_client_connect_options_set_logging_config_json(o, "{\"level\": 1}"),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "unknown key");
    FAILS(ray_client_connect_options_set_log_to_driver(NULL, 0), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    OK(ray_client_connect_options_set_logging_level(o, "10"));
    OK(ray_client_connect_options_set_logging_config_json(o, NULL));
    OK(ray_client_connect_options_free(o));
}

/* Each connect's steps at DEBUG, to a diagnostic callback; off, nothing. */
static void test_diagnostics(void) {
    static heard h;
    heard_init(&h);
    OK(ray_client_diagnostics_set(on_diagnostic, &h, RAY_CLIENT_DIAGNOSTIC_DEBUG));
    ray_client_connect_options *o = modules_options(test_address(), NULL);
    OK(ray_client_connect_options_set_logs(o, RAY_CLIENT_LOGS_OFF));
    OK(ray_client_connect_options_add_header(o, "x-rc-secret", "c-header-secret"));
    ray_client_client *c = connect_and_free(o);
    if (!c) return;
    const char *id = NULL;
    OK(ray_client_client_info(c, &id, NULL, NULL));
    char *line = wait_for(&h, "connected to");
    CHECK(strncmp(line, "4 ray_client::connect ", 22) == 0);
    CHECK(id && strstr(line, id) != NULL);
    free(line);
    CHECK(!was_heard(&h, "c-header-secret"));
    OK(ray_client_client_free(c));
    FAILS_WITH(ray_client_diagnostics_set(on_diagnostic, &h, -1), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "not a diagnostics level");
    OK(ray_client_diagnostics_set(on_diagnostic, &h, RAY_CLIENT_DIAGNOSTIC_OFF));
    pthread_mutex_lock(&h.mu);
    size_t before = h.len;
    pthread_mutex_unlock(&h.mu);
    o = modules_options(test_address(), NULL);
    OK(ray_client_connect_options_set_logs(o, RAY_CLIENT_LOGS_OFF));
    c = connect_and_free(o);
    if (c) OK(ray_client_client_free(c));
    pthread_mutex_lock(&h.mu);
    CHECK(h.len == before);
    pthread_mutex_unlock(&h.mu);
    OK(ray_client_diagnostics_set(NULL, NULL, RAY_CLIENT_DIAGNOSTIC_WARN));
}

int main(void) {
    test_diagnostics();
    static heard h;
    heard_init(&h);
    ray_client_client *c = test_logging_config(&h);
    if (c) {
        test_log_to_driver(c, &h);
        OK(ray_client_client_free(c));
    }
    test_bad_values();
    check_all_freed();
    return tally("test_logging");
}
