package ray

/*
#include "helpers.h"
*/
import "C"

import (
	"context"
	"reflect"
	"strconv"
	"time"
	"unsafe"
)

// ObjectRef is a reference to an object in the cluster: the result of a task or actor
// method, or a value stored with Put. It belongs to the Client that made it.
//
// Goroutine safety: all methods may be called concurrently.
//
// Ownership: Close releases this handle; the cluster frees the object when no handle
// (nor a value or task holding it) refers to it any more. An ObjectRef that becomes
// unreachable without Close is released by a cleanup after garbage collection.
type ObjectRef struct {
	client *Client
	h      handle[*C.ray_client_object_ref]
}

func freeRef(p *C.ray_client_object_ref) { C.ray_client_object_ref_free(p) }

func newObjectRef(c *Client, p *C.ray_client_object_ref) *ObjectRef {
	r := &ObjectRef{client: c}
	own(r, &r.h, p, freeRef)
	return r
}

func (*ObjectRef) what() string                                 { return "object ref" }
func (r *ObjectRef) cHandle() *handle[*C.ray_client_object_ref] { return &r.h }

func (r *ObjectRef) use(op string, f func(p *C.ray_client_object_ref) error) error {
	return useWrapped(r, op, f)
}

// Close releases the ref. Idempotent; nil for an already closed ref.
func (r *ObjectRef) Close() error { return closeWrapped(r) }

// Client is the client the ref belongs to.
func (r *ObjectRef) Client() *Client {
	if r == nil {
		return nil
	}
	return r.client
}

// ID is the object id in hex. For the result of a task still being scheduled it waits
// for the id, hence the context.
func (r *ObjectRef) ID(ctx context.Context) (string, error) {
	return stringCall(ctx, "ID", r.use, func(p *C.ray_client_object_ref, s **C.char) cstatus { return C.ray_client_object_ref_hex(p, s) })
}

// TaskID is the hex id of the task that made the object (Python's ObjectRef.task_id());
// it waits for the object id as ID does.
func (r *ObjectRef) TaskID(ctx context.Context) (string, error) {
	return stringCall(ctx, "TaskID", r.use, func(p *C.ray_client_object_ref, s **C.char) cstatus { return C.ray_client_object_ref_task_id(p, s) })
}

// Clone is a new handle to the same object, closed independently.
func (r *ObjectRef) Clone() (*ObjectRef, error) {
	return cloneOwned(r, func(p *C.ray_client_object_ref, out **C.ray_client_object_ref) cstatus {
		return C.ray_client_object_ref_clone(p, out)
	}, newObjectRef)
}

// encodeForPut checks a put's receiver and context and encodes v for it, lending large
// byte slices when lend (see Put).
func (c *Client) encodeForPut(ctx context.Context, op string, v any, lend bool) (*C.ray_client_value, *encoder, error) {
	if c == nil {
		return nil, nil, errNil(op, "client")
	}
	if ctx == nil {
		return nil, nil, errNil(op, "context")
	}
	e := &encoder{op: op, client: c}
	if lend {
		e.lendFrom = lendMin
	}
	val, err := e.encode(reflect.ValueOf(v), "value", 0)
	return val, e, err
}

// Put stores v (converted as described in the package documentation) in the cluster's
// object store and returns its ref. Refs inside v must belong to c.
//
// Large payloads in v ([]byte and numeric slices of 1 MiB or more) are sent from v's
// own memory, without a copy, when ctx cannot end early (its Done channel is nil, as
// for context.Background()): Put then returns only once the cluster has the data and
// the library has let go of the slices, so they are the caller's again when it returns.
// Under a context that can end, Put copies them, since it returns at once when ctx
// ends while the library still sends; use [Borrow] to send without a copy then.
func (c *Client) Put(ctx context.Context, v any) (*ObjectRef, error) {
	const op = "Put"
	val, e, err := c.encodeForPut(ctx, op, v, ctx != nil && ctx.Done() == nil)
	if err != nil {
		return nil, err
	}
	var out *C.ray_client_object_ref
	err = blockingCall(ctx, op, c.use, func(p *C.ray_client_client) cstatus {
		return C.ray_client_object_put(p, val, &out)
	}, func() { freeRef(out) })
	C.ray_client_value_free(val)
	// Lent payloads are the caller's again once the library released them: right after
	// the put's reply (measured: within a microsecond of the C call's return), and
	// waiting for it makes "when Put returns" exact, after a failed put too.
	for _, l := range e.loans {
		<-l.released
	}
	if err != nil {
		return nil, err
	}
	return newObjectRef(c, out), nil
}

// checkGet checks a get's receiver, ref and context.
func (c *Client) checkGet(ctx context.Context, op string, ref *ObjectRef) error {
	if c == nil {
		return errNil(op, "client")
	}
	if ref == nil {
		return errNil(op, "object ref")
	}
	return checkContext(op, ctx)
}

// getValue starts an asynchronous get of ref and waits for it or for ctx. The context's
// deadline becomes the get's timeout; a context cancelled without a deadline abandons
// the wait (the library finishes the get in the background and its result is freed).
func (c *Client) getValue(ctx context.Context, op string, ref *ObjectRef) (*C.ray_client_value, error) {
	if err := c.checkGet(ctx, op, ref); err != nil {
		return nil, err
	}
	id, pd := newPending()
	timeout := timeoutMS(ctx, -1)
	err := c.use(op, func(cp *C.ray_client_client) error {
		return ref.use(op, func(rp *C.ray_client_object_ref) error {
			return ccall(op, func() cstatus { return C.rc_go_get_async(cp, rp, timeout, C.uintptr_t(id)) })
		})
	})
	if err != nil {
		cancelPending(id)
		return nil, err
	}
	res, err := pd.await(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := res.toError(op); err != nil {
		return nil, err
	}
	return res.value, nil
}

// Get waits for the object's value and converts it to a Go value (see the package
// documentation for the types). A task that raised gives a *TaskError; the context's
// deadline gives a *TimeoutError.
func (c *Client) Get(ctx context.Context, ref *ObjectRef) (any, error) {
	v, err := c.getValue(ctx, "Get", ref)
	if err != nil {
		return nil, err
	}
	defer C.ray_client_value_free(v)
	return decodeValue("Get", c, v)
}

// GetInto waits for the object's value and stores it into the Go value dst points to
// (see the package documentation for the conversion rules).
func (c *Client) GetInto(ctx context.Context, ref *ObjectRef, dst any) error {
	if err := checkDst("GetInto", dst); err != nil {
		return err
	}
	v, err := c.getValue(ctx, "GetInto", ref)
	if err != nil {
		return err
	}
	defer C.ray_client_value_free(v)
	return decodeInto("GetInto", c, v, dst)
}

// GetAs waits for the object's value as a T (GetInto with a new T).
func GetAs[T any](ctx context.Context, c *Client, ref *ObjectRef) (T, error) {
	var out T
	err := c.GetInto(ctx, ref, &out)
	return out, err
}

func checkDst(op string, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errInvalid(op, "destination must be a non-nil pointer, got %T", dst)
	}
	return nil
}

// refPointers locks every distinct ref for reading and collects the C handles. The
// returned release function unlocks them; it must run after the C call that uses the
// handles. A ref listed twice is locked once: a second read lock could deadlock against
// a Close waiting between the two.
func refPointers(op string, c *Client, refs []*ObjectRef) ([]*C.ray_client_object_ref, func(), error) {
	ptrs := make([]*C.ray_client_object_ref, len(refs))
	var locked []*ObjectRef
	seen := make(map[*ObjectRef]*C.ray_client_object_ref, len(refs))
	release := func() {
		for _, r := range locked {
			r.h.mu.RUnlock()
		}
	}
	for i, r := range refs {
		if r == nil {
			release()
			return nil, nil, errInvalid(op, "refs[%d] is nil", i)
		}
		if r.client != c {
			release()
			return nil, nil, errInvalid(op, "refs[%d] belongs to another client", i)
		}
		if p, ok := seen[r]; ok {
			ptrs[i] = p
			continue
		}
		r.h.mu.RLock()
		locked = append(locked, r)
		if r.h.p == nil {
			release()
			return nil, nil, errClosed(op, "refs["+strconv.Itoa(i)+"]")
		}
		ptrs[i] = r.h.p
		seen[r] = r.h.p
	}
	return ptrs, release, nil
}

// GetMany waits for the values of all refs (one round trip) and converts them.
func (c *Client) GetMany(ctx context.Context, refs []*ObjectRef) ([]any, error) {
	const op = "GetMany"
	res, err := c.getMany(ctx, op, refs)
	if err != nil {
		return nil, err
	}
	defer res.free()
	vals := unsafe.Slice(res.values, res.n)
	out := make([]any, len(vals))
	for i, v := range vals {
		if out[i], err = decodeValue(op, c, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetManyInto waits for the values of all refs and stores them into the slice dst
// points to (resized to len(refs)), converting each to the slice's element type.
func (c *Client) GetManyInto(ctx context.Context, refs []*ObjectRef, dst any) error {
	const op = "GetManyInto"
	if err := checkDst(op, dst); err != nil {
		return err
	}
	sv := reflect.ValueOf(dst).Elem()
	if sv.Kind() != reflect.Slice {
		return errInvalid(op, "destination must point to a slice, got %T", dst)
	}
	res, err := c.getMany(ctx, op, refs)
	if err != nil {
		return err
	}
	defer res.free()
	vals := unsafe.Slice(res.values, res.n)
	out := reflect.MakeSlice(sv.Type(), len(vals), len(vals))
	for i, v := range vals {
		if err := decodeIntoValue(op, c, v, out.Index(i), "["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	sv.Set(out)
	return nil
}

func (c *Client) getMany(ctx context.Context, op string, refs []*ObjectRef) (asyncResult, error) {
	if c == nil {
		return asyncResult{}, errNil(op, "client")
	}
	if err := checkContext(op, ctx); err != nil {
		return asyncResult{}, err
	}
	if len(refs) == 0 {
		return asyncResult{}, nil
	}
	id, pd := newPending()
	timeout := timeoutMS(ctx, -1)
	err := c.use(op, func(cp *C.ray_client_client) error {
		ptrs, release, err := refPointers(op, c, refs)
		if err != nil {
			return err
		}
		defer release()
		return ccall(op, func() cstatus {
			return C.rc_go_get_many_async(cp, &ptrs[0], C.size_t(len(ptrs)), timeout, C.uintptr_t(id))
		})
	})
	if err != nil {
		cancelPending(id)
		return asyncResult{}, err
	}
	res, err := pd.await(ctx, op)
	if err != nil {
		return asyncResult{}, err
	}
	if err := res.toError(op); err != nil {
		return asyncResult{}, err
	}
	return res, nil
}

// Wait waits until numReturns of refs are ready, timeout passes (negative: no limit) or
// ctx ends, and splits refs into ready and not ready ones, in their original order.
// Reaching the timeout is not an error (fewer refs are ready); ctx ending is.
// The returned slices hold the same *ObjectRef values as refs (no new handles).
func (c *Client) Wait(ctx context.Context, refs []*ObjectRef, numReturns int, timeout time.Duration) (ready, notReady []*ObjectRef, err error) {
	const op = "Wait"
	if c == nil {
		return nil, nil, errNil(op, "client")
	}
	if ctx == nil {
		return nil, nil, errNil(op, "context")
	}
	if numReturns < 0 || numReturns > len(refs) {
		return nil, nil, errInvalid(op, "numReturns %d out of range 0..%d", numReturns, len(refs))
	}
	if ctx.Err() != nil {
		return nil, nil, ctxError(op, ctx)
	}
	if len(refs) == 0 {
		return nil, nil, nil
	}
	id, pd := newPending()
	ms := timeoutMS(ctx, timeout)
	err = c.use(op, func(cp *C.ray_client_client) error {
		ptrs, release, err := refPointers(op, c, refs)
		if err != nil {
			return err
		}
		defer release()
		return ccall(op, func() cstatus {
			return C.rc_go_wait_async(cp, &ptrs[0], C.size_t(len(ptrs)), C.size_t(numReturns), ms, C.uintptr_t(id))
		})
	})
	if err != nil {
		cancelPending(id)
		return nil, nil, err
	}
	res, err := pd.await(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	if err := res.toError(op); err != nil {
		return nil, nil, err
	}
	if res.numReady < numReturns && ctx.Err() != nil {
		// The context's deadline, not the caller's timeout, cut the wait short.
		return nil, nil, ctxError(op, ctx)
	}
	for i, r := range refs {
		if i < len(res.ready) && res.ready[i] {
			ready = append(ready, r)
		} else {
			notReady = append(notReady, r)
		}
	}
	return ready, notReady, nil
}

// Cancel cancels the task that produces ref (ray.cancel): a later Get fails with
// ErrTaskCancelled. force kills the worker running it; recursive cancels the tasks it
// started.
func (c *Client) Cancel(ctx context.Context, ref *ObjectRef, force, recursive bool) error {
	const op = "Cancel"
	return c.use(op, func(cp *C.ray_client_client) error {
		return blockingCall(ctx, op, ref.use, func(rp *C.ray_client_object_ref) cstatus {
			return C.ray_client_object_cancel(cp, rp, cbool(force), cbool(recursive))
		}, nil)
	})
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
