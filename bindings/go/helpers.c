// C trampolines between the library's callbacks and the Go functions exported in
// callbacks.go. The callbacks carry a uintptr_t id (a key of a Go registry), never a Go
// pointer, so cgo's pointer rules hold; the exact C signatures live here because the
// exported Go functions' generated prototypes differ in constness.
#include "helpers.h"
#include "_cgo_export.h"

static void rc_go_get_trampoline(void *user, ray_client_status status,
                                 ray_client_value *value, ray_client_error *error) {
    rcGoGetDone((uintptr_t)user, status, value, error);
}

static void rc_go_get_many_trampoline(void *user, ray_client_status status,
                                      ray_client_value **values, size_t n,
                                      ray_client_error *error) {
    rcGoGetManyDone((uintptr_t)user, status, values, n, error);
}

static void rc_go_wait_trampoline(void *user, ray_client_status status, const uint8_t *ready,
                                  size_t n, size_t num_ready, ray_client_error *error) {
    rcGoWaitDone((uintptr_t)user, status, (uint8_t *)ready, n, num_ready, error);
}

static void rc_go_log_trampoline(void *user, int level, const char *msg) {
    rcGoLog((uintptr_t)user, level, (char *)msg);
}

ray_client_status rc_go_get_async(const ray_client_client *c, const ray_client_object_ref *r,
                                  int64_t timeout_ms, uintptr_t id) {
    return ray_client_object_get_async(c, r, timeout_ms, rc_go_get_trampoline, (void *)id);
}

ray_client_status rc_go_item_stream_next_async(const ray_client_item_stream *s,
                                              int64_t timeout_ms, uintptr_t id) {
    return ray_client_item_stream_next_async(s, timeout_ms, rc_go_get_trampoline, (void *)id);
}

ray_client_status rc_go_get_many_async(const ray_client_client *c,
                                       const ray_client_object_ref *const *refs, size_t n,
                                       int64_t timeout_ms, uintptr_t id) {
    return ray_client_object_get_many_async(c, refs, n, timeout_ms, rc_go_get_many_trampoline,
                                            (void *)id);
}

ray_client_status rc_go_wait_async(const ray_client_client *c,
                                   const ray_client_object_ref *const *refs, size_t n,
                                   size_t num_returns, int64_t timeout_ms, uintptr_t id) {
    return ray_client_object_wait_async(c, refs, n, num_returns, timeout_ms,
                                        rc_go_wait_trampoline, (void *)id);
}

static void rc_go_diagnostic_trampoline(void *user, int level, const char *target,
                                        const char *message) {
    (void)user;
    rcGoDiagnostic(level, (char *)target, (char *)message);
}

ray_client_status rc_go_diagnostics_set(int max_level) {
    return ray_client_diagnostics_set(rc_go_diagnostic_trampoline, NULL, max_level);
}

static void rc_go_object_progress_trampoline(void *user, uint64_t done, uint64_t total) {
    rcGoObjectProgress((uintptr_t)user, done, total);
}

ray_client_status rc_go_put_with_progress(const ray_client_client *c, const ray_client_value *v,
                                          uintptr_t id, ray_client_object_ref **out) {
    return ray_client_object_put_with_progress(c, v, rc_go_object_progress_trampoline, (void *)id,
                                               out);
}

ray_client_status rc_go_get_with_progress(const ray_client_client *c,
                                          const ray_client_object_ref *r, int64_t timeout_ms,
                                          uintptr_t id, ray_client_value **out) {
    return ray_client_object_get_with_progress(c, r, timeout_ms, rc_go_object_progress_trampoline,
                                               (void *)id, out);
}

ray_client_status rc_go_set_log_callback(ray_client_connect_options *o, uintptr_t id) {
    return ray_client_connect_options_set_log_callback(o, rc_go_log_trampoline, (void *)id);
}

static void rc_go_upload_progress_trampoline(void *user, const char *uri, uint64_t sent,
                                             uint64_t total) {
    rcGoUploadProgress((uintptr_t)user, (char *)uri, sent, total);
}

ray_client_status rc_go_set_upload_progress(ray_client_job_submission *s, uintptr_t id) {
    return ray_client_job_submission_set_upload_progress(s, rc_go_upload_progress_trampoline,
                                                         (void *)id);
}

static void rc_go_release_trampoline(void *user) { rcGoRelease((uintptr_t)user); }

ray_client_status rc_go_value_bytes_borrowed(const uint8_t *data, size_t len, uintptr_t id,
                                             ray_client_value **out) {
    return ray_client_value_bytes_borrowed(data, len, rc_go_release_trampoline, (void *)id, out);
}

ray_client_status rc_go_value_ndarray_borrowed(int dtype, const size_t *shape, size_t ndim,
                                               const void *data, size_t nbytes,
                                               int fortran_order, uintptr_t id,
                                               ray_client_value **out) {
    return ray_client_value_ndarray_borrowed(dtype, shape, ndim, data, nbytes, fortran_order,
                                             rc_go_release_trampoline, (void *)id, out);
}
