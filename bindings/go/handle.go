package ray

import (
	"runtime"
	"sync"
)

// This file is what every Go wrapper of a C handle (Client, ObjectRef, ActorHandle,
// PlacementGroup, Borrowed, and lazily RemoteFunction and ActorClass) does with its
// handle, written once:
//
//   - own: the wrapper takes the C handle; its free function releases it at Close or,
//     for a wrapper dropped without Close, in a runtime.AddCleanup cleanup after garbage
//     collection.
//   - use: a C call runs with the live pointer under the read lock, so Close (the write
//     lock) never frees the handle while a call uses it; after Close the call reports
//     ErrClosed instead of passing a dangling pointer.
//   - Close: frees the handle once; later calls return nil (idempotent).
//   - A nil wrapper reports ErrNilHandle, never panics.
//
// A wrapper type has a handle field and implements [wrapper]; its use and Close methods
// are useWrapped and closeWrapped. A wrapper whose handle is made on first use has a
// lazyHandle field instead and implements [lazyWrapper] (useLazy, closeLazy).

// handle guards one C handle of a Go object.
type handle[P comparable] struct {
	mu      sync.RWMutex
	p       P       // the C handle pointer; zero once closed
	free    func(P) // releases p (also from the cleanup: it must not reference the owner)
	cleanup runtime.Cleanup
}

// own gives owner (whose field h is) the C handle p, released by free.
func own[T any, P comparable](owner *T, h *handle[P], p P, free func(P)) {
	h.p = p
	h.free = free
	h.cleanup = runtime.AddCleanup(owner, free, p)
}

// use runs f with the live handle under the read lock.
func (h *handle[P]) use(op, what string, f func(p P) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var zero P
	if h.p == zero {
		return errClosed(op, what)
	}
	return f(h.p)
}

// take detaches the handle for freeing (zero when it was taken already) and cancels the
// cleanup that would otherwise free it a second time.
func (h *handle[P]) take() P {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.p
	var zero P
	h.p = zero
	if p != zero {
		h.cleanup.Stop()
	}
	return p
}

// close frees the handle unless that was done already; it reports whether it did.
func (h *handle[P]) close() bool {
	p := h.take()
	var zero P
	if p == zero {
		return false
	}
	h.free(p)
	return true
}

// wrapper is a Go type wrapping one C handle of type P (*Client, *ObjectRef, ...).
type wrapper[P comparable] interface {
	comparable
	// what names the wrapper in errors ("object ref"); it must work on a nil receiver.
	what() string
	// cHandle is the wrapper's handle; it is called on non-nil receivers only.
	cHandle() *handle[P]
}

// ownedWrapper is a wrapper that belongs to one client (*ObjectRef, *ActorHandle).
type ownedWrapper[P comparable] interface {
	wrapper[P]
	// Client is the client w belongs to; nil for a nil receiver.
	Client() *Client
}

// useWrapped runs f with w's live C handle: ErrNilHandle for a nil w, ErrClosed for a
// closed one.
func useWrapped[W wrapper[P], P comparable](w W, op string, f func(p P) error) error {
	var none W
	if w == none {
		return errNil(op, w.what())
	}
	return w.cHandle().use(op, w.what(), f)
}

// closeWrapped frees w's C handle (ErrNilHandle for a nil w); idempotent.
func closeWrapped[W wrapper[P], P comparable](w W) error {
	var none W
	if w == none {
		return errNil("Close", w.what())
	}
	w.cHandle().close()
	return nil
}

// cloneOwned is a new wrapper, made by wrap, of a new C handle to what w's handle
// refers to (clone is the type's _clone function): it belongs to w's client and is
// closed independently.
func cloneOwned[W ownedWrapper[P], P comparable](w W, clone func(p P, out *P) cstatus, wrap func(*Client, P) W) (W, error) {
	var out P
	err := useWrapped(w, "Clone", func(p P) error {
		return ccall("Clone", func() cstatus { return clone(p, &out) })
	})
	if err != nil {
		var none W
		return none, err
	}
	return wrap(w.Client(), out), nil
}

// lazyHandle is a handle made on first use. RemoteFunction and ActorClass are Go
// descriptions (a name or source, and options) made by methods that cannot fail; their
// C handles are made when first called, so that a bad name or option is reported by
// the call, and a description never called costs no handle.
type lazyHandle[P comparable] struct {
	mu   sync.Mutex
	made bool // the handle was made, or the wrapper closed before it was
	handle[P]
}

// lazyWrapper is a Go type wrapping one lazily made C handle of type P.
type lazyWrapper[P comparable] interface {
	comparable
	// what names the wrapper in errors; it must work on a nil receiver.
	what() string
	// lazy is the wrapper's handle; it is called on non-nil receivers only.
	lazy() *lazyHandle[P]
	// makeHandle makes the C handle and owns it (own) in lazy().handle; called, under
	// lazy().mu, on each use until it succeeds.
	makeHandle(op string) error
}

// useLazy runs f with w's C handle, made first if this is its first use: ErrNilHandle
// for a nil w, ErrClosed for a closed one, make's error when the handle cannot be made
// (tried again by the next use).
func useLazy[W lazyWrapper[P], P comparable](w W, op string, f func(p P) error) error {
	var none W
	if w == none {
		return errNil(op, w.what())
	}
	l := w.lazy()
	l.mu.Lock()
	if !l.made {
		if err := w.makeHandle(op); err != nil {
			l.mu.Unlock()
			return err
		}
		l.made = true
	}
	l.mu.Unlock()
	return l.handle.use(op, w.what(), f)
}

// closeLazy frees w's C handle, if it was made, and keeps it from being made later
// (ErrNilHandle for a nil w); idempotent.
func closeLazy[W lazyWrapper[P], P comparable](w W) error {
	var none W
	if w == none {
		return errNil("Close", w.what())
	}
	l := w.lazy()
	l.mu.Lock()
	l.made = true
	l.mu.Unlock()
	l.handle.close()
	return nil
}
