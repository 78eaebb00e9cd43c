/* Ray Jobs and the cluster's state through the C ABI, against the test cluster's real
 * dashboard ($RAY_TEST_DASHBOARD_URL): submit from a local working_dir with upload
 * progress, wait, status, info, logs, follow, stop, delete, list; state lists with
 * filters and the task summary; dashboard options, token authentication and https;
 * and every misuse a clear error. */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static uint64_t progress_calls = 0, progress_last = 0, progress_total = 0;

static void on_progress(void *user, const char *uri, uint64_t sent, uint64_t total) {
    (void)user;
    progress_calls++;
    progress_last = sent;
    progress_total = total;
    if (strncmp(uri, "gcs://_ray_pkg_", 15) != 0) progress_calls = 1000000;
}

/* A fresh working_dir with `file` holding `text`; its path in `dir` (PATH_MAX-ish). */
static void make_workdir(char *dir, size_t n, const char *name, const char *file,
                         const char *text) {
    snprintf(dir, n, "/tmp/rc-c-jobs-%d-%s", (int)getpid(), name);
    mkdir(dir, 0755);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void test_submit_wait_logs(ray_client_dashboard *d) {
    char dir[256], env[512], id[128];
    char text[256];
    snprintf(id, sizeof id, "rc-c-hello-%d-%ld", (int)getpid(), (long)time(NULL));
    /* The id in the file makes the package new to the cluster, so it is uploaded. */
    snprintf(text, sizeof text, "print('hello from C')  # %s\n", id);
    make_workdir(dir, sizeof dir, "hello", "hello.py", text);
    snprintf(env, sizeof env, "{\"working_dir\": \"%s\"}", dir);

    ray_client_job_submission *s = NULL;
    OK(ray_client_job_submission_new("python hello.py", &s));
    OK(ray_client_job_submission_set_submission_id(s, id));
    OK(ray_client_job_submission_set_runtime_env_json(s, env));
    OK(ray_client_job_submission_add_metadata(s, "owner", "c-test"));
    OK(ray_client_job_submission_set_upload_progress(s, on_progress, NULL));
    char *got = NULL;
    OK(ray_client_job_submit(d, s, &got));
    CHECK(got && strcmp(got, id) == 0);
    OK(ray_client_string_free(got));
    CHECK(progress_calls > 0 && progress_calls < 1000000);
    CHECK(progress_last == progress_total && progress_total > 0);

    char *info = NULL;
    OK(ray_client_job_wait(d, id, -1, &info));
    CHECK(info && strstr(info, "\"SUCCEEDED\"") && strstr(info, "\"c-test\""));
    CHECK(info && strstr(info, "gcs://_ray_pkg_"));
    OK(ray_client_string_free(info));
    int status = -1;
    OK(ray_client_job_status(d, id, &status));
    CHECK(status == RAY_CLIENT_JOB_SUCCEEDED);
    char *logs = NULL;
    OK(ray_client_job_logs(d, id, &logs));
    CHECK(logs && strstr(logs, "hello from C"));
    OK(ray_client_string_free(logs));

    /* The same directory again: nothing uploaded. */
    progress_calls = 0;
    OK(ray_client_job_submission_set_submission_id(s, NULL));
    char *again = NULL;
    OK(ray_client_job_submit(d, s, &again));
    CHECK(again && strncmp(again, "raysubmit_", 10) == 0);
    CHECK(progress_calls == 0);
    char *list = NULL;
    OK(ray_client_job_list(d, &list));
    CHECK(list && strstr(list, id) && again && strstr(list, again));
    OK(ray_client_string_free(list));
    char *done = NULL;
    OK(ray_client_job_wait(d, again, -1, &done));
    OK(ray_client_string_free(done));
    int deleted = 0;
    OK(ray_client_job_delete(d, again, &deleted));
    CHECK(deleted == 1);
    FAILS(ray_client_job_status(d, again, &status), RAY_CLIENT_ERROR_NOT_FOUND);
    OK(ray_client_string_free(again));
    OK(ray_client_job_submission_free(s));
}

static void test_follow_stop(ray_client_dashboard *d) {
    ray_client_job_submission *s = NULL;
    OK(ray_client_job_submission_new(
        "python -c \"import time; print('started', flush=True); time.sleep(600)\"", &s));
    char *id = NULL;
    OK(ray_client_job_submit(d, s, &id));
    ray_client_log_tail *tail = NULL;
    OK(ray_client_job_tail_logs(d, id, &tail));
    char *chunk = NULL;
    OK(ray_client_log_tail_next(tail, &chunk));
    CHECK(chunk && strstr(chunk, "started"));
    OK(ray_client_string_free(chunk));
    int stopped = 0;
    OK(ray_client_job_stop(d, id, &stopped));
    CHECK(stopped == 1);
    /* The tail ends (NULL) once the job is over. */
    int chunks = 0;
    for (;;) {
        chunk = NULL;
        if (ray_client_log_tail_next(tail, &chunk) != RAY_CLIENT_OK) {
            CHECK(0);
            break;
        }
        if (!chunk) break;
        chunks++;
        OK(ray_client_string_free(chunk));
    }
    int status = -1;
    OK(ray_client_job_status(d, id, &status));
    CHECK(status == RAY_CLIENT_JOB_STOPPED);
    OK(ray_client_log_tail_free(tail));
    /* Waiting with a timeout on a job that is over returns at once. */
    char *info = NULL;
    OK(ray_client_job_wait(d, id, 1, &info));
    OK(ray_client_string_free(info));
    OK(ray_client_string_free(id));
    OK(ray_client_job_submission_free(s));
}

static void test_state(ray_client_dashboard *d) {
    char *json = NULL;
    const char *alive[] = {"state", "=", "ALIVE"};
    OK(ray_client_state_list(d, "nodes", alive, 1, 0, 0, 0, &json));
    CHECK(json && strstr(json, "\"records\"") && strstr(json, "\"is_head_node\":true"));
    OK(ray_client_string_free(json));
    OK(ray_client_state_list(d, "placement-groups", NULL, 0, 5, 1, 10000, &json));
    CHECK(json && strstr(json, "\"total\""));
    OK(ray_client_string_free(json));
    OK(ray_client_state_summarize_tasks(d, 0, &json));
    CHECK(json && strstr(json, "cluster"));
    OK(ray_client_string_free(json));
    FAILS_WITH(ray_client_state_list(d, "bogus", NULL, 0, 0, 0, 0, &json),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "not a state resource");
    const char *bad[] = {"state", "<", "ALIVE"};
    FAILS_WITH(ray_client_state_list(d, "nodes", bad, 1, 0, 0, 0, &json),
               RAY_CLIENT_ERROR_INVALID_ARGUMENT, "predicate");
}

static void test_misuse(ray_client_dashboard *d) {
    int status = 0;
    char *out = NULL;
    FAILS_WITH(ray_client_job_status(d, "raysubmit_nosuchjob", &status),
               RAY_CLIENT_ERROR_NOT_FOUND, "raysubmit_nosuchjob");
    FAILS(ray_client_job_logs(d, "a/b", &out), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_job_logs(NULL, "x", &out), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    FAILS(ray_client_job_logs(d, NULL, &out), RAY_CLIENT_ERROR_NULL_ARGUMENT);
    ray_client_job_submission *s = NULL;
    OK(ray_client_job_submission_new("true", &s));
    FAILS(ray_client_job_submission_set_runtime_env_json(s, "[1]"),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    FAILS(ray_client_job_submission_set_runtime_env_json(s, "{not json"),
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_job_submission_free(s));
    FAILS(ray_client_job_submission_free(s), RAY_CLIENT_ERROR_INVALID_HANDLE);
    FAILS(ray_client_job_submit(d, s, &out), RAY_CLIENT_ERROR_INVALID_HANDLE);
    /* A dashboard handle where a submission belongs. */
    FAILS(ray_client_job_submit(d, (ray_client_job_submission *)d, &out),
          RAY_CLIENT_ERROR_INVALID_HANDLE);

    /* Nothing listening, a bad scheme, a zero timeout. */
    ray_client_dashboard_options *o = NULL;
    ray_client_dashboard *none = NULL;
    OK(ray_client_dashboard_options_new("http://127.0.0.1:9", &o));
    FAILS(ray_client_dashboard_connect(o, &none), RAY_CLIENT_ERROR_CONNECTION_FAILED);
    CHECK(none == NULL);
    OK(ray_client_dashboard_options_free(o));
    OK(ray_client_dashboard_options_new("ftp://x", &o));
    FAILS(ray_client_dashboard_connect(o, &none), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_dashboard_options_free(o));
    OK(ray_client_dashboard_options_new(getenv("RAY_TEST_DASHBOARD_URL"), &o));
    OK(ray_client_dashboard_options_set_timeout_ms(o, 0));
    FAILS_WITH(ray_client_dashboard_connect(o, &none), RAY_CLIENT_ERROR_INVALID_ARGUMENT,
               "timeout");
    OK(ray_client_dashboard_options_free(o));
    OK(ray_client_dashboard_options_new("http://127.0.0.1:9", &o));
    FAILS(ray_client_dashboard_options_add_header(o, "bad header", "x"), RAY_CLIENT_OK);
    FAILS(ray_client_dashboard_connect(o, &none), RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_dashboard_options_free(o));
}

/* Options on a dashboard of its own: metadata merged into every job, entrypoint
 * resources, the job's info; token authentication (the token cluster of
 * tests/harness/secure-clusters, RC_TEST_AUTH_DASHBOARD_URL) and https (the TLS
 * terminator tests/run-c puts in front of the main dashboard, RC_TEST_HTTPS_DASHBOARD_URL,
 * with the CA of RC_TEST_TLS_DIR). */
static ray_client_status connect_with(const char *url, const char *token, const char *ca,
                                      int insecure, ray_client_dashboard **out) {
    ray_client_dashboard_options *o = NULL;
    OK(ray_client_dashboard_options_new(url, &o));
    OK(ray_client_dashboard_options_add_metadata(o, "team", "c-options"));
    if (token) OK(ray_client_dashboard_options_set_auth_token(o, token));
    OK(ray_client_dashboard_options_set_tls(o, ca, insecure));
    ray_client_status rc = ray_client_dashboard_connect(o, out);
    OK(ray_client_dashboard_options_free(o));
    return rc;
}

static void test_options_token_tls(void) {
    ray_client_dashboard *d = NULL;
    OK(connect_with(getenv("RAY_TEST_DASHBOARD_URL"), NULL, NULL, 0, &d));
    ray_client_job_submission *s = NULL;
    OK(ray_client_job_submission_new("python -c \"print('placed')\"", &s));
    OK(ray_client_job_submission_set_entrypoint_resources(s, 0.5, -1, 0));
    OK(ray_client_job_submission_add_entrypoint_resource(s, "rc_node2", 0.5));
    char *id = NULL, *info = NULL, *done = NULL;
    OK(ray_client_job_submit(d, s, &id));
    OK(ray_client_job_submission_free(s));
    OK(ray_client_job_wait(d, id, -1, &done));
    CHECK(done && strstr(done, "\"SUCCEEDED\""));
    OK(ray_client_job_info(d, id, &info));
    CHECK(info && strstr(info, "\"team\"") && strstr(info, "\"c-options\""));
    /* The entrypoint's resource exists only on the second node: it ran there. */
    const char *node2 = getenv("RAY_TEST_NODE_rc_node2");
    CHECK(node2 && info && strstr(info, node2));
    char *none = NULL;
    FAILS(ray_client_job_info(d, "raysubmit_nosuchjob", &none), RAY_CLIENT_ERROR_NOT_FOUND);
    CHECK(none == NULL);
    OK(ray_client_string_free(done));
    OK(ray_client_string_free(info));
    OK(ray_client_string_free(id));
    OK(ray_client_dashboard_free(d));

    const char *auth = getenv("RC_TEST_AUTH_DASHBOARD_URL"), *token = getenv("RC_TEST_AUTH_TOKEN");
    CHECK(auth && *auth && token && *token);
    if (auth && token) {
        char *list = NULL;
        OK(connect_with(auth, token, NULL, 0, &d));
        OK(ray_client_job_list(d, &list));
        OK(ray_client_string_free(list));
        OK(ray_client_dashboard_free(d));
        d = NULL;
        FAILS_WITH(connect_with(auth, "not-the-token", NULL, 0, &d),
                   RAY_CLIENT_ERROR_AUTHENTICATION_FAILED, "not the cluster's");
        CHECK(d == NULL);
    }

    const char *https = getenv("RC_TEST_HTTPS_DASHBOARD_URL"), *tls = getenv("RC_TEST_TLS_DIR");
    CHECK(https && *https && tls && *tls);
    if (https && tls) {
        char ca[512], other[512];
        snprintf(ca, sizeof ca, "%s/ca.crt", tls);
        snprintf(other, sizeof other, "%s/other-ca.crt", tls);
        const char *u = NULL;
        OK(connect_with(https, NULL, ca, 0, &d));
        OK(ray_client_dashboard_url(d, &u));
        CHECK(u && strcmp(u, https) == 0);
        char *list = NULL;
        OK(ray_client_job_list(d, &list));
        OK(ray_client_string_free(list));
        OK(ray_client_dashboard_free(d));
        OK(connect_with(https, NULL, NULL, 1, &d));
        OK(ray_client_dashboard_free(d));
        d = NULL;
        FAILS_WITH(connect_with(https, NULL, other, 0, &d), RAY_CLIENT_ERROR_CONNECTION_FAILED,
                   "certificate");
        FAILS(connect_with(https, NULL, "/nonexistent/ca.crt", 0, &d),
              RAY_CLIENT_ERROR_INVALID_ARGUMENT);
        CHECK(d == NULL);
    }
}

/* The job config of a client (Python's JobConfig(metadata=..., default_actor_lifetime=
   "detached")): its metadata is listed with its job; an actor created without a lifetime
   outlives the client. */
static void test_client_job_config(ray_client_dashboard *d) {
    char tag[64], name[64];
    snprintf(tag, sizeof tag, "c-job-config-%ld", (long)getpid());
    snprintf(name, sizeof name, "c-by-default-%ld", (long)getpid());
    ray_client_connect_options *o = NULL;
    OK(ray_client_connect_options_new(getenv("RAY_TEST_ADDRESS"), &o));
    OK(ray_client_connect_options_set_logs(o, RAY_CLIENT_LOGS_OFF));
    OK(ray_client_connect_options_set_namespace(o, "rc-c-job-config"));
    OK(ray_client_connect_options_add_job_metadata(o, "test", tag));
    OK(ray_client_connect_options_set_detached_actors(o, 1));
    FAILS_WITH(ray_client_connect_options_add_job_metadata(o, NULL, "v"),
               RAY_CLIENT_ERROR_NULL_ARGUMENT, "key");
    ray_client_client *c = NULL;
    OK(ray_client_connect(o, &c));
    OK(ray_client_connect_options_free(o));
    if (!c) return;
    ray_client_actor_class *cls = NULL;
    OK(ray_client_actor_class_from_source("class Box:\n    def get(self):\n        return 5\n",
                                          "Box", &cls));
    ray_client_options *opts = NULL;
    OK(ray_client_options_new(&opts));
    OK(ray_client_options_set_name(opts, name));
    ray_client_actor *a = NULL;
    OK(ray_client_actor_create(c, cls, NULL, opts, &a));
    ray_client_object_ref *r = NULL;
    OK(ray_client_actor_call(c, a, "get", NULL, NULL, &r, 1));
    ray_client_value *v = NULL;
    OK(ray_client_object_get(c, r, -1, &v));
    if (v) OK(ray_client_value_free(v));
    if (r) OK(ray_client_object_ref_free(r));
    if (a) OK(ray_client_actor_free(a));
    OK(ray_client_actor_class_free(cls));
    OK(ray_client_options_free(opts));
    OK(ray_client_client_free(c));

    char *json = NULL;
    OK(ray_client_job_list(d, &json));
    CHECK(json && strstr(json, tag));
    if (json) OK(ray_client_string_free(json));

    /* Another client finds the actor alive, and kills it. */
    OK(ray_client_connect_options_new(getenv("RAY_TEST_ADDRESS"), &o));
    OK(ray_client_connect_options_set_logs(o, RAY_CLIENT_LOGS_OFF));
    OK(ray_client_connect(o, &c));
    OK(ray_client_connect_options_free(o));
    if (!c) return;
    OK(ray_client_actor_get(c, name, "rc-c-job-config", &a));
    OK(ray_client_actor_call(c, a, "get", NULL, NULL, &r, 1));
    OK(ray_client_object_get(c, r, -1, &v));
    int64_t got = 0;
    if (v) {
        OK(ray_client_value_get_int(v, &got));
        OK(ray_client_value_free(v));
    }
    CHECK(got == 5);
    if (r) OK(ray_client_object_ref_free(r));
    if (a) {
        OK(ray_client_actor_kill(c, a, 1));
        OK(ray_client_actor_free(a));
    }
    OK(ray_client_client_free(c));
}

int main(void) {
    const char *url = getenv("RAY_TEST_DASHBOARD_URL");
    if (!url || !*url) {
        fprintf(stderr, "RAY_TEST_DASHBOARD_URL is not set\n");
        return 2;
    }
    ray_client_dashboard_options *o = NULL;
    OK(ray_client_dashboard_options_new(url, &o));
    OK(ray_client_dashboard_options_set_timeout_ms(o, 60000));
    ray_client_dashboard *d = NULL;
    OK(ray_client_dashboard_connect(o, &d));
    OK(ray_client_dashboard_options_free(o));
    if (!d) return 1;
    const char *u = NULL, *v = NULL;
    OK(ray_client_dashboard_url(d, &u));
    CHECK(u && strcmp(u, url) == 0);
    OK(ray_client_dashboard_ray_version(d, &v));
    CHECK(v && v[0] == '2');
    /* A Ray Client address: the cluster is asked where its dashboard is. */
    ray_client_dashboard *by_client = NULL;
    OK(ray_client_dashboard_options_new(getenv("RAY_TEST_ADDRESS"), &o));
    OK(ray_client_dashboard_connect(o, &by_client));
    OK(ray_client_dashboard_options_free(o));
    OK(ray_client_dashboard_url(by_client, &u));
    CHECK(u && strcmp(u, url) == 0);
    OK(ray_client_dashboard_free(by_client));

    test_submit_wait_logs(d);
    test_follow_stop(d);
    test_state(d);
    test_misuse(d);
    test_options_token_tls();
    test_client_job_config(d);
    OK(ray_client_dashboard_free(d));
    check_all_freed();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
