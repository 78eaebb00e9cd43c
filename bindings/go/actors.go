package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import "context"

// Actor is a handle to an actor (a Python class instance living on the cluster),
// belonging to one Client.
//
// Goroutine safety: all methods may be called concurrently; the actor runs its method
// calls in submission order (or, with MaxConcurrency, that many at once).
//
// Ownership: Close releases this handle but does not kill the actor (Kill does); the
// cluster ends a non-detached actor when its client disconnects. An Actor that becomes
// unreachable without Close is released by a cleanup after garbage collection.
type Actor struct {
	client *Client
	h      handle[*C.ray_client_actor]
}

func freeActor(p *C.ray_client_actor) { C.ray_client_actor_free(p) }

func newActor(c *Client, p *C.ray_client_actor) *Actor {
	a := &Actor{client: c}
	own(a, &a.h, p, freeActor)
	return a
}

func (*Actor) what() string                            { return "actor" }
func (a *Actor) cHandle() *handle[*C.ray_client_actor] { return &a.h }

func (a *Actor) use(op string, f func(p *C.ray_client_actor) error) error {
	return useWrapped(a, op, f)
}

// Close releases the handle (the actor keeps running). Idempotent.
func (a *Actor) Close() error { return closeWrapped(a) }

// Client is the client the actor handle belongs to.
func (a *Actor) Client() *Client {
	if a == nil {
		return nil
	}
	return a.client
}

// ID is the actor id in hex (right after creation it waits for the id).
func (a *Actor) ID(ctx context.Context) (string, error) {
	var s *C.char
	err := a.use("ID", func(p *C.ray_client_actor) error {
		return blocking(ctx, "ID", func() error {
			return ccall("ID", func() C.int { return C.ray_client_actor_id_hex(p, &s) })
		}, func() { C.ray_client_string_free(s) })
	})
	if err != nil {
		return "", err
	}
	return ownedString(s), nil
}

// Clone is a new handle to the same actor, closed independently.
func (a *Actor) Clone() (*Actor, error) {
	var out *C.ray_client_actor
	err := a.use("Clone", func(p *C.ray_client_actor) error {
		return ccall("Clone", func() C.int { return C.ray_client_actor_clone(p, &out) })
	})
	if err != nil {
		return nil, err
	}
	return newActor(a.client, out), nil
}

// Kill kills the actor (ray.kill). With noRestart false it restarts when it has
// restarts left. Method calls on a dead actor fail with an *ActorDiedError; note that
// ray.kill is asynchronous, so a call made right after Kill may still run.
func (a *Actor) Kill(ctx context.Context, noRestart bool) error {
	const op = "Kill"
	if a == nil {
		return errNil(op, "actor")
	}
	return a.client.use(op, func(cp *C.ray_client_client) error {
		return a.use(op, func(p *C.ray_client_actor) error {
			return blocking(ctx, op, func() error {
				return ccall(op, func() C.int { return C.ray_client_actor_kill(cp, p, cbool(noRestart)) })
			}, nil)
		})
	})
}

// Call calls the actor's method with args (Kwargs among them become keyword
// arguments) and returns the ref of its result at once.
func (a *Actor) Call(ctx context.Context, method string, args ...any) (*ObjectRef, error) {
	return a.Method(method).Remote(ctx, args...)
}

// Method is the actor's method name, to call with options or with several returns.
func (a *Actor) Method(name string) *ActorMethod { return &ActorMethod{actor: a, name: name} }

// ActorMethod is one method of an actor; like RemoteFunction it is immutable and
// Options returns a copy.
type ActorMethod struct {
	actor *Actor
	name  string
	opts  []CallOption
}

// Options is a copy of m with opts added.
func (m *ActorMethod) Options(opts ...CallOption) *ActorMethod {
	if m == nil {
		return nil
	}
	cp := *m
	cp.opts = append(append([]CallOption(nil), m.opts...), opts...)
	return &cp
}

// Remote calls the method and returns the ref of its result.
func (m *ActorMethod) Remote(ctx context.Context, args ...any) (*ObjectRef, error) {
	refs, err := m.remote(ctx, "Call", 0, args)
	if err != nil {
		return nil, err
	}
	return refs[0], nil
}

// RemoteN calls a method that returns n values (num_returns=n).
func (m *ActorMethod) RemoteN(ctx context.Context, n int, args ...any) ([]*ObjectRef, error) {
	if n < 1 {
		return nil, errInvalid("RemoteN", "n must be at least 1, got %d", n)
	}
	return m.remote(ctx, "RemoteN", n, args)
}

func (m *ActorMethod) remote(ctx context.Context, op string, n int, args []any) ([]*ObjectRef, error) {
	if m == nil || m.actor == nil {
		return nil, errNil(op, "actor")
	}
	a := m.actor
	c := a.client
	if ctx == nil {
		return nil, errNil(op, "context")
	}
	if ctx.Err() != nil {
		return nil, ctxError(op, ctx)
	}
	ca, err := prepareCall(op, c, args, m.opts, n)
	if err != nil {
		return nil, err
	}
	defer ca.free()
	name, err := ca.cs.add(op, "method name", m.name)
	if err != nil {
		return nil, err
	}
	var refs []*ObjectRef
	err = c.use(op, func(cp *C.ray_client_client) error {
		return a.use(op, func(ap *C.ray_client_actor) error {
			return blocking(ctx, op, func() error {
				var err error
				refs, err = callRefs(op, c, n, func(one **C.ray_client_object_ref, many ***C.ray_client_object_ref, cnt *C.size_t) C.int {
					nargs, nkw := C.size_t(len(ca.args)), C.size_t(len(ca.kwVals))
					if n == 0 {
						return C.ray_client_actor_call(cp, ap, name, ca.argsPtr(), nargs, ca.kwNamesPtr(), ca.kwValsPtr(), nkw, ca.opts, one)
					}
					return C.ray_client_actor_call_n(cp, ap, name, ca.argsPtr(), nargs, ca.kwNamesPtr(), ca.kwValsPtr(), nkw, ca.opts, many, cnt)
				})
				return err
			}, func() { closeRefs(refs) })
		})
	})
	if err != nil {
		return nil, err
	}
	return refs, nil
}

// ActorClass is a Python class on the cluster, by name or defined by source; like
// RemoteFunction it is immutable and Options returns a copy.
type ActorClass struct{ pyCallable }

// ActorClass is the class module.qualname, importable on the cluster.
func (c *Client) ActorClass(module, qualname string) *ActorClass {
	return &ActorClass{pyCallable{client: c, module: module, name: qualname}}
}

// ActorClassFromSource is the class name defined by Python source.
func (c *Client) ActorClassFromSource(source, name string) *ActorClass {
	return &ActorClass{pyCallable{client: c, module: source, name: name, bySource: true}}
}

// Options is a copy of k with opts added (Name, Namespace, Detached, MaxRestarts,
// resources, ...).
func (k *ActorClass) Options(opts ...CallOption) *ActorClass {
	if k == nil {
		return nil
	}
	return &ActorClass{k.withOptions(opts)}
}

// Remote creates an actor: the class called with args (Kwargs among them become
// keyword arguments). It returns at once; a failure to create shows on the first method
// call.
func (k *ActorClass) Remote(ctx context.Context, args ...any) (*Actor, error) {
	const op = "NewActor"
	if k == nil {
		return nil, errNil(op, "actor class")
	}
	c := k.client
	ca, mod, name, err := k.prepare(ctx, op, "class name", args, 0)
	if err != nil {
		return nil, err
	}
	defer ca.free()
	var out *C.ray_client_actor
	err = c.use(op, func(cp *C.ray_client_client) error {
		return blocking(ctx, op, func() error {
			return ccall(op, func() C.int {
				nargs, nkw := C.size_t(len(ca.args)), C.size_t(len(ca.kwVals))
				if k.bySource {
					return C.ray_client_actor_create_source(cp, mod, name, ca.argsPtr(), nargs, ca.kwNamesPtr(), ca.kwValsPtr(), nkw, ca.opts, &out)
				}
				return C.ray_client_actor_create(cp, mod, name, ca.argsPtr(), nargs, ca.kwNamesPtr(), ca.kwValsPtr(), nkw, ca.opts, &out)
			})
		}, func() { freeActor(out) })
	})
	if err != nil {
		return nil, err
	}
	return newActor(c, out), nil
}

// GetActor is the named actor name in namespace ("" : this client's namespace); it
// fails with ErrInvalidArgument when there is none.
func (c *Client) GetActor(ctx context.Context, name, namespace string) (*Actor, error) {
	const op = "GetActor"
	var cs cstrings
	defer cs.free()
	cn, err := cs.add(op, "actor name", name)
	if err != nil {
		return nil, err
	}
	cns, err := cs.addOpt(op, "namespace", namespace)
	if err != nil {
		return nil, err
	}
	var out *C.ray_client_actor
	err = c.use(op, func(cp *C.ray_client_client) error {
		return blocking(ctx, op, func() error {
			return ccall(op, func() C.int { return C.ray_client_actor_get(cp, cn, cns, &out) })
		}, func() { freeActor(out) })
	})
	if err != nil {
		return nil, err
	}
	return newActor(c, out), nil
}

// NamedActor identifies a named actor.
type NamedActor struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// ListNamedActors lists the named actors of this client's namespace, or of every
// namespace with allNamespaces.
func (c *Client) ListNamedActors(ctx context.Context, allNamespaces bool) ([]NamedActor, error) {
	var out []NamedActor
	err := c.jsonCall(ctx, "ListNamedActors", func(p *C.ray_client_client, s **C.char) C.int {
		return C.ray_client_actor_list_named(p, cbool(allNamespaces), s)
	}, &out)
	return out, err
}
