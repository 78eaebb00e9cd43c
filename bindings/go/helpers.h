// The C helpers of helpers.c, declared once for the Go files that call them: the
// library's functions that take a callback, with the callback bound to a trampoline
// into Go and the user pointer carrying a registry id (see helpers.c).
#ifndef RC_GO_HELPERS_H
#define RC_GO_HELPERS_H

#include <stdint.h>
#include "ray_client.h"

ray_client_status rc_go_get_async(const ray_client_client *c, const ray_client_object_ref *r,
                                  int64_t timeout_ms, uintptr_t id);
ray_client_status rc_go_item_stream_next_async(const ray_client_item_stream *s,
                                              int64_t timeout_ms, uintptr_t id);
ray_client_status rc_go_get_many_async(const ray_client_client *c,
                                       const ray_client_object_ref *const *refs, size_t n,
                                       int64_t timeout_ms, uintptr_t id);
ray_client_status rc_go_wait_async(const ray_client_client *c,
                                   const ray_client_object_ref *const *refs, size_t n,
                                   size_t num_returns, int64_t timeout_ms, uintptr_t id);
ray_client_status rc_go_diagnostics_set(int max_level);
ray_client_status rc_go_put_with_progress(const ray_client_client *c, const ray_client_value *v,
                                          uintptr_t id, ray_client_object_ref **out);
ray_client_status rc_go_get_with_progress(const ray_client_client *c,
                                          const ray_client_object_ref *r, int64_t timeout_ms,
                                          uintptr_t id, ray_client_value **out);
ray_client_status rc_go_set_log_callback(ray_client_connect_options *o, uintptr_t id);
ray_client_status rc_go_set_upload_progress(ray_client_job_submission *s, uintptr_t id);
ray_client_status rc_go_value_bytes_borrowed(const uint8_t *data, size_t len, uintptr_t id,
                                             ray_client_value **out);
ray_client_status rc_go_value_ndarray_borrowed(int dtype, const size_t *shape, size_t ndim,
                                               const void *data, size_t nbytes,
                                               int fortran_order, uintptr_t id,
                                               ray_client_value **out);

#endif
