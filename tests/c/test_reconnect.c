/* Reconnection through the C ABI: a client behind tests/harness/fault-proxy survives
 * cut connections without an error, reports its connection state, and, past the
 * reconnect grace period of a partition, fails with RAY_CLIENT_ERROR_CONNECTION_LOST
 * naming the address; keepalive pings keep an idle connection through a proxy that cuts
 * silent ones. Run by tests/run-c under ASan/UBSan against $RAY_TEST_ADDRESS. */
#define _POSIX_C_SOURCE 200809L
#include "ray_client.h"
#include "check.h"

#include <pthread.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>


struct proxy {
    pid_t pid;
    char address[128];
    FILE *control; /* the proxy's stdin: commands */
    FILE *out;     /* the proxy's stdout after its address: command output */
};

/* Starts tests/harness/fault-proxy in front of `upstream` and reads its address. */
static int start_proxy(const char *repo, const char *upstream, struct proxy *p) {
    int out[2], in[2];
    if (pipe(out) != 0) return -1;
    if (pipe(in) != 0) return -1;
    p->pid = fork();
    if (p->pid < 0) return -1;
    if (p->pid == 0) {
        dup2(out[1], 1);
        dup2(in[0], 0);
        close(out[0]);
        close(in[1]);
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/harness/fault-proxy", repo);
        execlp("python3", "python3", path, upstream, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    close(in[0]);
    p->out = fdopen(out[0], "r");
    p->control = fdopen(in[1], "w");
    if (!p->out || !p->control || !fgets(p->address, sizeof p->address, p->out)) return -1;
    p->address[strcspn(p->address, "\n")] = '\0';
    return strncmp(p->address, "ray://", 6) == 0 ? 0 : -1;
}

/* Writes one command line to the proxy (see tests/harness/fault-proxy). */
static void proxy_command(struct proxy *p, const char *line) {
    fprintf(p->control, "%s\n", line);
    fflush(p->control);
}

/* The proxy's count of accepted connections and of idle cuts so far. */
static void proxy_stats(struct proxy *p, int *accepted, int *idle_cuts) {
    proxy_command(p, "stats");
    *accepted = *idle_cuts = -1;
    /* A line at a time: a scanf pattern's trailing space would wait for more input. */
    char line[128];
    CHECK(fgets(line, sizeof line, p->out) != NULL);
    CHECK(sscanf(line, "accepted %d idle_cuts %d", accepted, idle_cuts) == 2);
}

/* Signals are handled by the proxy asynchronously and, when several are pending, in
 * signal-number order: give each one time to land before the next. */
static void signal_proxy(const struct proxy *p, int sig) {
    kill(p->pid, sig);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
}

static void stop_proxy(struct proxy *p) {
    kill(p->pid, SIGTERM);
    waitpid(p->pid, NULL, 0);
    fclose(p->control);
    fclose(p->out);
}

/* Connects with a grace period and, when keepalive_ms is not 0, that ping interval. */
static ray_client_client *connect_via(const char *address, uint64_t grace_s,
                                      uint64_t keepalive_ms) {
    ray_client_connect_options *o = NULL;
    OK(ray_client_connect_options_new(address, &o));
    OK(ray_client_connect_options_set_reconnect_grace_period_s(o, grace_s));
    if (keepalive_ms) OK(ray_client_connect_options_set_keepalive_ms(o, keepalive_ms, 30000));
    OK(ray_client_connect_options_set_logs(o, RAY_CLIENT_LOGS_OFF));
    ray_client_client *c = NULL;
    OK(ray_client_connect(o, &c));
    OK(ray_client_connect_options_free(o));
    return c;
}

/* put(i) then get it back; returns the status of the first failing call. */
static int round_trip(ray_client_client *c, int64_t i) {
    ray_client_value *v = NULL, *got = NULL;
    ray_client_object_ref *r = NULL;
    OK(ray_client_value_int(i, &v));
    int rc = ray_client_object_put(c, v, &r);
    if (rc == RAY_CLIENT_OK) {
        rc = ray_client_object_get(c, r, -1, &got);
        if (rc == RAY_CLIENT_OK) {
            int64_t back = -1;
            OK(ray_client_value_get_int(got, &back));
            CHECK(back == i);
            OK(ray_client_value_free(got));
        }
        OK(ray_client_object_ref_free(r));
    }
    OK(ray_client_value_free(v));
    return rc;
}

static int state_of(ray_client_client *c) {
    int s = -1;
    OK(ray_client_client_state(c, &s));
    return s;
}

/* The library's diagnostics about the proxy's address: how many breaks (WARN), recoveries
 * (INFO) and losses for good (ERROR) were said, and whether any other level came. */
static pthread_mutex_t diag_mu = PTHREAD_MUTEX_INITIALIZER;
static int diag_broke, diag_back, diag_lost, diag_other;

static void on_diagnostic(void *user, int level, const char *target, const char *message) {
    const char *at = user;
    if (strcmp(target, "ray_client::connection") != 0 || !strstr(message, at)) return;
    pthread_mutex_lock(&diag_mu);
    if (level == RAY_CLIENT_DIAGNOSTIC_WARN && strstr(message, "broke")) diag_broke++;
    else if (level == RAY_CLIENT_DIAGNOSTIC_INFO && strstr(message, "reconnected to")) diag_back++;
    else if (level == RAY_CLIENT_DIAGNOSTIC_ERROR) diag_lost++;
    else if (level > RAY_CLIENT_DIAGNOSTIC_INFO) diag_other++;
    pthread_mutex_unlock(&diag_mu);
}

static int diag_count(int *n) {
    pthread_mutex_lock(&diag_mu);
    int v = *n;
    pthread_mutex_unlock(&diag_mu);
    return v;
}

int main(void) {
    const char *address = getenv("RAY_TEST_ADDRESS");
    const char *repo = getenv("RC_REPO");
    if (!address || !*address || !repo) {
        fprintf(stderr, "RAY_TEST_ADDRESS and RC_REPO must be set\n");
        return 2;
    }
    struct proxy p;
    if (start_proxy(repo, address, &p) != 0) {
        fprintf(stderr, "could not start the fault proxy\n");
        return 2;
    }

    /* Keepalive options are validated. */
    ray_client_connect_options *o = NULL;
    OK(ray_client_connect_options_new(p.address, &o));
    CHECK(ray_client_connect_options_set_keepalive_ms(o, 0, 1000) ==
          RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_connect_options_set_keepalive_ms(o, 1000, 5000));
    OK(ray_client_connect_options_free(o));
    CHECK(ray_client_client_state(NULL, NULL) == RAY_CLIENT_ERROR_NULL_ARGUMENT);

    /* The library says what happens to the connection (at INFO: breaks, recoveries and
       losses; no DEBUG detail). */
    CHECK(ray_client_diagnostics_set(on_diagnostic, NULL, 6) == RAY_CLIENT_ERROR_INVALID_ARGUMENT);
    OK(ray_client_diagnostics_set(on_diagnostic, p.address + 6, RAY_CLIENT_DIAGNOSTIC_INFO));

    /* Cuts within the grace period: every call succeeds. */
    ray_client_client *c = connect_via(p.address, 30, 0);
    CHECK(state_of(c) == RAY_CLIENT_STATE_CONNECTED);
    for (int64_t i = 0; i < 10; i++) {
        OK(round_trip(c, i));
        signal_proxy(&p, SIGUSR1);
        OK(round_trip(c, 100 + i));
    }
    int exists = 0;
    OK(ray_client_kv_put(c, (const uint8_t *)"rc-c-reconnect", 14, (const uint8_t *)"1", 1, 1,
                         NULL, &exists));
    CHECK(state_of(c) == RAY_CLIENT_STATE_CONNECTED);
    CHECK(diag_count(&diag_broke) > 0);
    /* The recovery is said from the I/O thread as the stream reopens: waited for, no
       time limit. */
    while (diag_count(&diag_back) == 0) nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);

    /* A partition longer than the grace period: calls fail with connection lost. */
    ray_client_client *short_grace = connect_via(p.address, 2, 0);
    OK(round_trip(short_grace, 7));
    signal_proxy(&p, SIGUSR2);
    signal_proxy(&p, SIGUSR1);
    CHECK(round_trip(short_grace, 8) == RAY_CLIENT_ERROR_CONNECTION_LOST);
    CHECK(strstr(ray_client_last_error_message(), p.address + 6) != NULL);
    CHECK(state_of(short_grace) == RAY_CLIENT_STATE_LOST);
    CHECK(round_trip(short_grace, 9) == RAY_CLIENT_ERROR_CONNECTION_LOST);
    CHECK(diag_count(&diag_lost) > 0);
    CHECK(diag_count(&diag_other) == 0);
    OK(ray_client_diagnostics_set(NULL, NULL, RAY_CLIENT_DIAGNOSTIC_WARN));
    OK(ray_client_client_free(short_grace));
    signal_proxy(&p, SIGHUP);

    /* The first client, cut during the partition too, came back once it ended. */
    OK(round_trip(c, 42));
    OK(ray_client_client_disconnect(c));
    CHECK(state_of(c) == RAY_CLIENT_STATE_LOST);
    OK(ray_client_client_free(c));
    stop_proxy(&p);

    /* Keepalive: through a proxy that cuts connections silent for 3 s (as NATs and load
     * balancers do), pings every second keep an idle client's connection: no cut, no
     * new connection. Control: with the default (a ping every 30 s, like Python's client)
     * the same proxy cuts it, and only reconnection saves the next call. */
    for (int with_pings = 1; with_pings >= 0; with_pings--) {
        struct proxy k;
        if (start_proxy(repo, address, &k) != 0) {
            fprintf(stderr, "could not start the fault proxy\n");
            return 2;
        }
        ray_client_client *idle = connect_via(k.address, 30, with_pings ? 1000 : 0);
        OK(round_trip(idle, 1));
        /* Only now: starting the client's server may keep the connection silent longer. */
        proxy_command(&k, "idle 3");
        int dialled = 0, accepted = 0, cuts = 0;
        proxy_stats(&k, &dialled, &cuts);
        sleep(8);
        OK(round_trip(idle, 2));
        proxy_stats(&k, &accepted, &cuts);
        if (with_pings) {
            CHECK(cuts == 0);
            CHECK(accepted == dialled);
        } else {
            CHECK(cuts > 0);
        }
        OK(ray_client_client_free(idle));
        stop_proxy(&k);
    }
    return tally("test_reconnect");
}
