package ray

/*
#include <stdint.h>
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The library's asynchronous get and wait complete on its I/O thread by calling back
// into Go (helpers.c → the exported functions below). A callback finds its waiter by id
// in a registry, hands over the result through a buffered channel and returns at once,
// as the I/O thread requires. A waiter whose context ended first marks its entry
// abandoned; the callback then frees the result itself, so nothing leaks either way.

// asyncResult is what one completion delivered; its C handles are owned by whoever
// takes it from the channel.
type asyncResult struct {
	status   cstatus
	value    *C.ray_client_value
	values   **C.ray_client_value
	n        int
	ready    []bool
	numReady int
	err      *C.ray_client_error
}

func (r *asyncResult) free() {
	if r.value != nil {
		C.ray_client_value_free(r.value)
		r.value = nil
	}
	if r.values != nil {
		C.ray_client_value_array_free(r.values)
		r.values = nil
	}
	if r.err != nil {
		C.ray_client_error_free(r.err)
		r.err = nil
	}
}

// toError converts a failed completion into a Go error and frees its error handle.
func (r *asyncResult) toError(op string) error {
	if r.status == C.RAY_CLIENT_OK {
		return nil
	}
	if r.err == nil {
		return newError(ErrorInfo{Op: op, Code: Code(r.status), Message: Code(r.status).String()})
	}
	err := errorFromC(op, r.err)
	r.free()
	return err
}

type pending struct {
	mu        sync.Mutex
	ch        chan asyncResult
	abandoned bool
}

var (
	pendingOps    sync.Map // uintptr id → *pending
	nextPendingID atomic.Uintptr
)

func newPending() (uintptr, *pending) {
	id := nextPendingID.Add(1)
	p := &pending{ch: make(chan asyncResult, 1)}
	pendingOps.Store(id, p)
	return id, p
}

// cancelPending forgets an id whose asynchronous call did not start (its callback will
// never run).
func cancelPending(id uintptr) { pendingOps.Delete(id) }

func deliver(id C.uintptr_t, r asyncResult) {
	v, ok := pendingOps.LoadAndDelete(uintptr(id))
	if !ok {
		r.free() // not ours, or delivered twice: never keep handles nobody owns
		return
	}
	p := v.(*pending)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.abandoned {
		r.free()
		return
	}
	p.ch <- r // buffered, exactly one completion: never blocks the I/O thread
}

// await waits for the completion of p or the end of ctx, whichever comes first.
func (p *pending) await(ctx context.Context, op string) (asyncResult, error) {
	select {
	case r := <-p.ch:
		return r, nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		select {
		case r := <-p.ch:
			return r, nil
		default:
		}
		p.abandoned = true
		return asyncResult{}, ctxError(op, ctx)
	}
}

//export rcGoGetDone
func rcGoGetDone(id C.uintptr_t, status cstatus, value *C.ray_client_value, err *C.ray_client_error) {
	deliver(id, asyncResult{status: status, value: value, err: err})
}

//export rcGoGetManyDone
func rcGoGetManyDone(id C.uintptr_t, status cstatus, values **C.ray_client_value, n C.size_t, err *C.ray_client_error) {
	deliver(id, asyncResult{status: status, values: values, n: int(n), err: err})
}

//export rcGoWaitDone
func rcGoWaitDone(id C.uintptr_t, status cstatus, ready *C.uint8_t, n C.size_t, numReady C.size_t, err *C.ray_client_error) {
	r := asyncResult{status: status, err: err, numReady: int(numReady)}
	if ready != nil {
		// Borrowed for the duration of the callback only: copy.
		bs := unsafe.Slice((*byte)(unsafe.Pointer(ready)), int(n))
		r.ready = make([]bool, len(bs))
		for i, b := range bs {
			r.ready[i] = b != 0
		}
	}
	deliver(id, r)
}

//export rcGoLog
func rcGoLog(id C.uintptr_t, level C.int, msg *C.char) {
	if s := lookupLogSink(uintptr(id)); s != nil {
		s.push(LogRecord{Level: int(level), Text: C.GoString(msg)})
	}
}
