package ray

/*
#include "helpers.h"
*/
import "C"

import (
	"reflect"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Go memory lent to the C library: the library's _borrowed value constructors read a
// buffer in place until they call a release function, possibly long after the call that
// passed the pointer returned, possibly on the library's I/O thread. cgo allows C to keep
// a Go pointer past the call only while the memory is pinned (runtime.Pinner), so a loan
// pins the buffer and the release callback (rcGoRelease) unpins it.

// loan is one buffer lent to the library.
type loan struct {
	pinner   runtime.Pinner
	handle   cgo.Handle // the release callback's user data: finds this loan
	once     sync.Once
	released chan struct{} // closed when the library gave the buffer back
}

// loansReturned counts release callbacks (for tests).
var loansReturned atomic.Int64

// lend pins the Go object p points into. Pin happens before the handle is stored, and
// the callback loads the handle, so the race detector sees Pin ordered before Unpin
// even though the library's own synchronisation between the two is invisible to it.
func lend(p unsafe.Pointer) *loan {
	l := &loan{released: make(chan struct{})}
	l.pinner.Pin(p)
	l.handle = cgo.NewHandle(l)
	return l
}

// end gives the buffer back: unpinned, the handle deleted, Released closed. Once only:
// the library calls release exactly once and never after a failed constructor, but a
// second end must not delete the handle twice (that panics) whatever happens.
func (l *loan) end() {
	l.once.Do(func() {
		l.handle.Delete()
		l.pinner.Unpin()
		close(l.released)
	})
}

// rcGoRelease is the library's release callback of a loan. It may run on the library's
// I/O thread, which must not block: it only unpins and closes a channel.
//
//export rcGoRelease
func rcGoRelease(id C.uintptr_t) {
	l := cgo.Handle(id).Value().(*loan)
	loansReturned.Add(1)
	l.end()
}

// lendMin is the size from which Put lends a payload instead of copying it (see
// Client.Put): below it a copy costs less than pinning and the release callback.
const lendMin = 1 << 20

// lent makes a value over Go memory at p (nbytes long) without copying it: mk is a
// _borrowed constructor given the loan's id. The loan is recorded in e.loans.
func (e *encoder) lent(p unsafe.Pointer, mk func(id C.uintptr_t, o **C.ray_client_value) cstatus) (*C.ray_client_value, error) {
	l := lend(p)
	out, err := e.mk(func(o **C.ray_client_value) cstatus { return mk(C.uintptr_t(l.handle), o) })
	if err != nil {
		l.end() // a failed constructor borrowed nothing
		return nil, err
	}
	e.loans = append(e.loans, l)
	return out, nil
}

func (e *encoder) bytesLent(b []byte) (*C.ray_client_value, error) {
	return e.lent(unsafe.Pointer(&b[0]), func(id C.uintptr_t, o **C.ray_client_value) cstatus {
		return C.rc_go_value_bytes_borrowed(bytesPtr(b), C.size_t(len(b)), id, o)
	})
}

func (e *encoder) ndarrayLent(dt DType, shape []C.size_t, data unsafe.Pointer, nbytes int, fortran bool) (*C.ray_client_value, error) {
	var sp *C.size_t
	if len(shape) > 0 {
		sp = &shape[0]
	}
	return e.lent(data, func(id C.uintptr_t, o **C.ray_client_value) cstatus {
		return C.rc_go_value_ndarray_borrowed(C.int(dt), sp, C.size_t(len(shape)), data, C.size_t(nbytes), cbool(fortran), id, o)
	})
}

// Borrowed is a bytes value or numpy array over Go memory that the C library reads in
// place instead of copying it, made by [Borrow]: a large Put or call argument then costs
// no second copy of the data. Put it, or pass it as an argument (also inside other
// values), as often as needed; every use reads the same memory.
//
// The rule: the memory must not be modified from Borrow until the channel Released
// returns is closed. The library gives the memory back once Close was called and every
// Put and call that took the value has sent it: a Put has sent it when it returns; a
// call's arguments are sent in the background after Remote returns. Until then the
// memory stays pinned (runtime.Pinner), so it stays valid even if nothing else refers to
// it; a Borrowed dropped without Close is closed by a cleanup after garbage collection.
//
// Goroutine safety: all methods may be called concurrently.
type Borrowed struct {
	h    handle[*C.ray_client_value]
	loan *loan // nil for empty data: nothing to lend
}

// Borrow lends data to the library without copying it: a []byte becomes bytes, a typed
// numeric slice ([]float64, []int32, ...; not []byte) a 1-D numpy array and an NDArray
// a numpy array of its shape (see [Borrowed] for the rule the memory then follows).
func Borrow(data any) (*Borrowed, error) {
	const op = "Borrow"
	rv := reflect.ValueOf(data)
	ok := rv.Kind() == reflect.Slice &&
		(rv.Type().Elem().Kind() == reflect.Uint8 || dtypeOfKind(rv.Type().Elem()) >= 0)
	if !ok && (!rv.IsValid() || rv.Type() != ndarrayType) {
		return nil, errInvalid(op, "can lend a []byte, a numeric slice or an NDArray, not a %T", data)
	}
	e := encoder{op: op, lendFrom: 1}
	v, err := e.encode(rv, "value", 0)
	if err != nil {
		return nil, err
	}
	b := &Borrowed{}
	if len(e.loans) > 0 {
		b.loan = e.loans[0]
	}
	own(b, &b.h, v, freeValue)
	return b, nil
}

func freeValue(p *C.ray_client_value) { C.ray_client_value_free(p) }

func (*Borrowed) what() string                            { return "borrowed value" }
func (b *Borrowed) cHandle() *handle[*C.ray_client_value] { return &b.h }

// Close drops this handle of the value; the memory is given back once the puts and
// calls that took it have sent it (see Released). Idempotent.
func (b *Borrowed) Close() error { return closeWrapped(b) }

// Released is closed when the library no longer reads the memory: after Close, once
// every Put and call that took the value has sent it. From then on the memory is the
// caller's again.
func (b *Borrowed) Released() <-chan struct{} {
	if b == nil || b.loan == nil {
		return closedChan
	}
	return b.loan.released
}

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// borrowed is a new handle to b's value for one use (freed with the rest of the
// encoded value); it shares the lent memory.
func (e *encoder) borrowed(b *Borrowed) (*C.ray_client_value, error) {
	if b == nil {
		return e.none()
	}
	var out *C.ray_client_value
	err := useWrapped(b, e.op, func(p *C.ray_client_value) error {
		return ccall(e.op, func() cstatus { return C.ray_client_value_clone(p, &out) })
	})
	return out, err
}
