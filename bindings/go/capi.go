package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// cstatus is what every fallible C function returns: RAY_CLIENT_OK or a negative
// RAY_CLIENT_ERROR_* (the C enum ray_client_status; [Code] is its Go form).
type cstatus = C.ray_client_status

// Code's constants are the C enum's values, checked when the package compiles: each
// difference is the length of an array that must be [0]struct{} (a negative length or
// another array type does not compile).
var _ = [...][0]struct{}{
	[CodeOK - C.RAY_CLIENT_OK]struct{}{},
	[CodeInvalidArgument - C.RAY_CLIENT_ERROR_INVALID_ARGUMENT]struct{}{},
	[CodeConnectionFailed - C.RAY_CLIENT_ERROR_CONNECTION_FAILED]struct{}{},
	[CodeConnectionLost - C.RAY_CLIENT_ERROR_CONNECTION_LOST]struct{}{},
	[CodeVersionMismatch - C.RAY_CLIENT_ERROR_VERSION_MISMATCH]struct{}{},
	[CodeInitFailed - C.RAY_CLIENT_ERROR_INIT_FAILED]struct{}{},
	[CodeTimeout - C.RAY_CLIENT_ERROR_TIMEOUT]struct{}{},
	[CodeTaskError - C.RAY_CLIENT_ERROR_TASK_ERROR]struct{}{},
	[CodeActorDied - C.RAY_CLIENT_ERROR_ACTOR_DIED]struct{}{},
	[CodeObjectLost - C.RAY_CLIENT_ERROR_OBJECT_LOST]struct{}{},
	[CodeTaskCancelled - C.RAY_CLIENT_ERROR_TASK_CANCELLED]struct{}{},
	[CodeServerError - C.RAY_CLIENT_ERROR_SERVER_ERROR]struct{}{},
	[CodePickle - C.RAY_CLIENT_ERROR_PICKLE]struct{}{},
	[CodeProtocol - C.RAY_CLIENT_ERROR_PROTOCOL]struct{}{},
	[CodeInternal - C.RAY_CLIENT_ERROR_INTERNAL]struct{}{},
	[CodeAuthFailed - C.RAY_CLIENT_ERROR_AUTHENTICATION_FAILED]struct{}{},
	[CodeNotFound - C.RAY_CLIENT_ERROR_NOT_FOUND]struct{}{},
	[CodeNullArgument - C.RAY_CLIENT_ERROR_NULL_ARGUMENT]struct{}{},
	[CodeInvalidHandle - C.RAY_CLIENT_ERROR_INVALID_HANDLE]struct{}{},
	[CodeInvalidUTF8 - C.RAY_CLIENT_ERROR_INVALID_UTF8]struct{}{},
	[CodePanic - C.RAY_CLIENT_ERROR_PANIC]struct{}{},
}

// ccall runs f, one call into the C library that returns a status, with the goroutine
// locked to its OS thread: the library keeps the details of a failure per thread, and
// without the lock the goroutine could move to another thread between the call and the
// read of its last error.
func ccall(op string, f func() cstatus) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rc := f()
	if rc == C.RAY_CLIENT_OK {
		return nil
	}
	return lastError(op, Code(rc))
}

// lastError turns the calling thread's last error (which must be the failure of the
// call just made, on this locked thread) into a Go error.
func lastError(op string, rc Code) error {
	var e *C.ray_client_error
	if C.ray_client_last_error(&e) != C.RAY_CLIENT_OK || e == nil {
		return newError(ErrorInfo{Op: op, Code: rc, Message: rc.String()})
	}
	defer C.ray_client_error_free(e)
	err := errorFromC(op, e)
	if ErrorCode(err) != rc {
		// The last error belongs to another call; the status code is the truth.
		return newError(ErrorInfo{Op: op, Code: rc, Message: rc.String()})
	}
	return err
}

// errorFromC copies everything out of an error handle (the caller frees it).
func errorFromC(op string, e *C.ray_client_error) error {
	return newError(ErrorInfo{
		Op:            op,
		Code:          Code(C.ray_client_error_code(e)),
		Kind:          goStringOrEmpty(C.ray_client_error_kind(e)),
		Message:       goStringOrEmpty(C.ray_client_error_message(e)),
		RemoteType:    goStringOrEmpty(C.ray_client_error_remote_type(e)),
		CauseType:     goStringOrEmpty(C.ray_client_error_cause_type(e)),
		RemoteMessage: goStringOrEmpty(C.ray_client_error_remote_message(e)),
		Traceback:     goStringOrEmpty(C.ray_client_error_traceback(e)),
		fromLibrary:   true,
	})
}

func goStringOrEmpty(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// ownedString copies and frees a string the library handed over.
func ownedString(s *C.char) string {
	if s == nil {
		return ""
	}
	defer C.ray_client_string_free(s)
	return C.GoString(s)
}

// cstring is s as a NUL-terminated C string in Go memory, which cgo lets C read during
// a call. Go memory rather than C.CString's malloc, so that nothing has to be freed: a
// C call that [blocking] abandons when its context ends reads on safely, since the
// pointer it was given keeps the memory alive. A string with a NUL byte cannot cross
// as C text: that is an invalid argument, not a silent truncation.
func cstring(op, what, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errInvalid(op, "%s contains a NUL byte", what)
	}
	b := make([]byte, len(s)+1)
	copy(b, s)
	return (*C.char)(unsafe.Pointer(&b[0])), nil
}

// setPairs hands each (name, value) of list to set, a C setter of one pair.
func setPairs(op string, list [][2]string, set func(name, value *C.char) cstatus) error {
	for _, kv := range list {
		name, err := cstring(op, "name", kv[0])
		if err != nil {
			return err
		}
		value, err := cstring(op, "value", kv[1])
		if err != nil {
			return err
		}
		if err := ccall(op, func() cstatus { return set(name, value) }); err != nil {
			return err
		}
	}
	return nil
}

// cstringOpt is cstring, with "" becoming NULL (the C ABI's "not given").
func cstringOpt(op, what, s string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return cstring(op, what, s)
}

// bytesPtr points C at a Go byte slice's data (Go memory without pointers, which cgo
// allows C to read during the call); nil for an empty slice.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

func stringBytesPtr(s string) *C.uint8_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s)))
}

// timeoutMS is the C timeout for a call under ctx: the time left to its deadline (at
// least 1 ms, so that an almost-passed deadline still waits instead of meaning "no
// limit"), or -1 without a deadline. limit (negative: none) caps it.
func timeoutMS(ctx context.Context, limit time.Duration) C.int64_t {
	ms := int64(-1)
	if d, ok := ctx.Deadline(); ok {
		left := time.Until(d)
		ms = ceilMS(left)
		if ms < 1 {
			ms = 1
		}
	}
	if limit >= 0 {
		l := ceilMS(limit)
		if ms < 0 || l < ms {
			ms = l
		}
	}
	return C.int64_t(ms)
}

// checkContext is what a call under ctx fails with before it starts: ErrNilHandle for
// a nil ctx, the context's error for one that has ended already (nil otherwise).
func checkContext(op string, ctx context.Context) error {
	if ctx == nil {
		return errNil(op, "context")
	}
	if ctx.Err() != nil {
		return ctxError(op, ctx)
	}
	return nil
}

// blocking runs f, a C call that blocks on the cluster and has no asynchronous form,
// so that ctx can still end the wait: without a Done channel it runs inline; otherwise
// in a goroutine, and when ctx ends first the caller gets the context's error while f
// finishes in the background, and done (if any) then releases what f produced.
func blocking(ctx context.Context, op string, f func() error, done func()) error {
	if err := checkContext(op, ctx); err != nil {
		return err
	}
	if ctx.Done() == nil {
		return f()
	}
	ch := make(chan error, 1)
	var mu sync.Mutex
	abandoned := false
	go func() {
		err := f()
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			if err == nil && done != nil {
				done()
			}
			return
		}
		ch <- err
	}()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		select {
		case err := <-ch:
			// f finished just as ctx ended: its result is here, use it.
			return err
		default:
		}
		abandoned = true
		return ctxError(op, ctx)
	}
}

// blockingCall is the common case of blocking: one C call f, run with the live handle
// that use (a wrapper's use method) lends it, so that a nil or closed wrapper reports
// its error without calling f. done is blocking's: it releases what f produced when ctx
// ended first.
func blockingCall[P any](ctx context.Context, op string, use func(string, func(P) error) error, f func(p P) cstatus, done func()) error {
	return use(op, func(p P) error {
		return blocking(ctx, op, func() error {
			return ccall(op, func() cstatus { return f(p) })
		}, done)
	})
}

// stringCall is blockingCall for a C call that hands over a string (in *out); it
// returns the string copied into Go, and frees the C one also when ctx ended first.
func stringCall[P any](ctx context.Context, op string, use func(string, func(P) error) error, f func(p P, out **C.char) cstatus) (string, error) {
	var s *C.char
	err := blockingCall(ctx, op, use, func(p P) cstatus { return f(p, &s) }, func() { C.ray_client_string_free(s) })
	if err != nil {
		return "", err
	}
	return ownedString(s), nil
}

// jsonCall is stringCall for a C call whose string is JSON text, returned decoded as a
// T (with a decoding error, as far as it was decoded).
func jsonCall[T, P any](ctx context.Context, op string, use func(string, func(P) error) error, f func(p P, out **C.char) cstatus) (T, error) {
	var out T
	text, err := stringCall(ctx, op, use, f)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return out, newError(ErrorInfo{Op: op, Code: CodeProtocol, Message: "bad JSON from the library: " + err.Error()})
	}
	return out, nil
}

// Version is the C library's version, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.ray_client_version()) }

// HeaderVersion is the version of ray_client.h this package was compiled against; a
// mismatch with [Version]'s major (or, before 1.0, minor) number means a wrong library.
var HeaderVersion = fmt.Sprintf("%d.%d.%d", C.RAY_CLIENT_VERSION_MAJOR, C.RAY_CLIENT_VERSION_MINOR,
	C.RAY_CLIENT_VERSION_PATCH)

// liveHandles is the C library's count of live handles of every type (for leak tests).
func liveHandles() int { return int(C.ray_client_live_handles()) }

// ceilMS is d in whole milliseconds, rounded up (d > 0).
func ceilMS(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}
