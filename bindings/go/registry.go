package ray

import "sync"

// registry maps the ids that C callbacks carry as their user pointer (cgo forbids passing
// Go pointers there) to the Go values they stand for.
type registry[T any] struct {
	mu    sync.Mutex
	items map[uintptr]T
	next  uintptr
}

// add registers v under a new id (never 0).
func (r *registry[T]) add(v T) uintptr {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.items == nil {
		r.items = map[uintptr]T{}
	}
	r.next++
	r.items[r.next] = v
	return r.next
}

// get is the value under id (the zero value when there is none).
func (r *registry[T]) get(id uintptr) T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.items[id]
}

// remove unregisters id and returns what it stood for.
func (r *registry[T]) remove(id uintptr) T {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.items[id]
	delete(r.items, id)
	return v
}
