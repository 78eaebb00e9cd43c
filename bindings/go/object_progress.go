package ray

/*
#include "helpers.h"
*/
import "C"

import (
	"context"
)

// A large put's or get's progress, reported by the library from a thread of its own (not
// its I/O thread), so the user's function is called right there, in order; the C call
// returns after the last report.

var objectProgress registry[func(done, total int64)]

//export rcGoObjectProgress
func rcGoObjectProgress(id C.uintptr_t, done, total C.uint64_t) {
	if fn := objectProgress.get(uintptr(id)); fn != nil {
		fn(int64(done), int64(total))
	}
}

// PutWithProgress is Put reporting the transfer to fn(done, total), in bytes of the
// pickled value the connection has taken: from a goroutine of the library's thread, first
// with done 0, at most ten times a second, and a last time (done == total when the put
// succeeded) before PutWithProgress returns. fn may be nil. Values are copied into the
// library first (no lending of large []byte, unlike Put with a context that never ends).
func (c *Client) PutWithProgress(ctx context.Context, v any, fn func(done, total int64)) (*ObjectRef, error) {
	const op = "PutWithProgress"
	// Copied into the library (no lending): progress counts bytes the library sends.
	val, _, err := c.encodeForPut(ctx, op, v, false)
	if err != nil {
		return nil, err
	}
	defer C.ray_client_value_free(val)
	var out *C.ray_client_object_ref
	err = blockingCall(ctx, op, c.use, func(p *C.ray_client_client) cstatus {
		id := objectProgress.add(fn)
		defer objectProgress.remove(id)
		return C.rc_go_put_with_progress(p, val, C.uintptr_t(id), &out)
	}, func() { freeRef(out) })
	if err != nil {
		return nil, err
	}
	return newObjectRef(c, out), nil
}

// GetWithProgress is Get reporting the transfer to fn(done, total), in bytes received
// (total is 0 until the first chunk said it), as PutWithProgress reports. ctx's deadline
// is the get's timeout; when ctx ends first, GetWithProgress returns and the transfer
// finishes unobserved.
func (c *Client) GetWithProgress(ctx context.Context, ref *ObjectRef, fn func(done, total int64)) (any, error) {
	const op = "GetWithProgress"
	if err := c.checkGet(ctx, op, ref); err != nil {
		return nil, err
	}
	timeout := timeoutMS(ctx, -1)
	var out *C.ray_client_value
	err := ref.use(op, func(rp *C.ray_client_object_ref) error {
		return blockingCall(ctx, op, c.use, func(p *C.ray_client_client) cstatus {
			id := objectProgress.add(fn)
			defer objectProgress.remove(id)
			return C.rc_go_get_with_progress(p, rp, timeout, C.uintptr_t(id), &out)
		}, func() { C.ray_client_value_free(out) })
	})
	if err != nil {
		return nil, err
	}
	defer C.ray_client_value_free(out)
	return decodeValue(op, c, out)
}
