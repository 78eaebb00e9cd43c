package ray

/*
#include "ray_client.h"
*/
import "C"

import "context"

// ActorHandle is a handle to an actor (a Python class instance living on the cluster),
// belonging to one Client.
//
// Goroutine safety: all methods may be called concurrently; the actor runs its method
// calls in submission order (or, with MaxConcurrency, that many at once).
//
// Ownership: Close releases this handle but does not kill the actor (Kill does); the
// cluster ends a non-detached actor when its client disconnects. An ActorHandle that
// becomes unreachable without Close is released by a cleanup after garbage collection.
type ActorHandle struct {
	client *Client
	h      handle[*C.ray_client_actor]
}

func freeActor(p *C.ray_client_actor) { C.ray_client_actor_free(p) }

func newActorHandle(c *Client, p *C.ray_client_actor) *ActorHandle {
	a := &ActorHandle{client: c}
	own(a, &a.h, p, freeActor)
	return a
}

func (*ActorHandle) what() string                            { return "actor" }
func (a *ActorHandle) cHandle() *handle[*C.ray_client_actor] { return &a.h }

func (a *ActorHandle) use(op string, f func(p *C.ray_client_actor) error) error {
	return useWrapped(a, op, f)
}

// Close releases the handle (the actor keeps running). Idempotent.
func (a *ActorHandle) Close() error { return closeWrapped(a) }

// Client is the client the actor handle belongs to.
func (a *ActorHandle) Client() *Client {
	if a == nil {
		return nil
	}
	return a.client
}

// ID is the actor id in hex (right after creation it waits for the id).
func (a *ActorHandle) ID(ctx context.Context) (string, error) {
	return stringCall(ctx, "ID", a.use, func(p *C.ray_client_actor, s **C.char) cstatus { return C.ray_client_actor_id_hex(p, s) })
}

// Clone is a new handle to the same actor, closed independently.
func (a *ActorHandle) Clone() (*ActorHandle, error) {
	return cloneOwned(a, func(p *C.ray_client_actor, out **C.ray_client_actor) cstatus {
		return C.ray_client_actor_clone(p, out)
	}, newActorHandle)
}

// Kill kills the actor (ray.kill). With noRestart false it restarts when it has
// restarts left. Method calls on a dead actor fail with an *ActorDiedError; note that
// ray.kill is asynchronous, so a call made right after Kill may still run.
func (a *ActorHandle) Kill(ctx context.Context, noRestart bool) error {
	const op = "Kill"
	if a == nil {
		return errNil(op, "actor")
	}
	return a.client.use(op, func(cp *C.ray_client_client) error {
		return blockingCall(ctx, op, a.use, func(p *C.ray_client_actor) cstatus {
			return C.ray_client_actor_kill(cp, p, cbool(noRestart))
		}, nil)
	})
}

// Call calls the actor's method with args (Kwargs among them become keyword
// arguments) and returns the ref of its result at once.
func (a *ActorHandle) Call(ctx context.Context, method string, args ...any) (*ObjectRef, error) {
	return a.Method(method).Remote(ctx, args...)
}

// Method is the actor's method name, to call with options or with several returns.
func (a *ActorHandle) Method(name string) *ActorMethod { return &ActorMethod{actor: a, name: name} }

// ActorMethod is one method of an actor, with the options of its calls; like
// RemoteFunction it is immutable and Options returns a copy. (A method has no C handle:
// its options go with each call.)
type ActorMethod struct {
	actor *ActorHandle
	name  string
	opts  []Option
}

// Options is a copy of m with opts added (later options override earlier ones).
func (m *ActorMethod) Options(opts ...Option) *ActorMethod {
	if m == nil {
		return nil
	}
	cp := *m
	cp.opts = append(append([]Option(nil), m.opts...), opts...)
	return &cp
}

// Remote calls the method and returns the ref of its result. A method whose options set
// a num_returns other than 1 is called with RemoteN.
func (m *ActorMethod) Remote(ctx context.Context, args ...any) (*ObjectRef, error) {
	refs, err := m.remote(ctx, "Call", wantOne, args)
	if err != nil {
		return nil, err
	}
	return refs[0], nil
}

// RemoteN calls the method with num_returns=n and returns the n refs of its results
// (none for n = 0).
func (m *ActorMethod) RemoteN(ctx context.Context, n int, args ...any) ([]*ObjectRef, error) {
	return m.Options(NumReturns(n)).remote(ctx, "RemoteN", wantRefs, args)
}

// remote calls the method; its options are all this call's (a method has no handle to
// attach them to).
func (m *ActorMethod) remote(ctx context.Context, op string, w want, args []any) ([]*ObjectRef, error) {
	if m == nil {
		return nil, errNil(op, "actor method")
	}
	a := m.actor
	var refs []*ObjectRef
	err := a.use(op, func(ap *C.ray_client_actor) error {
		name, err := cstring(op, "method name", m.name)
		if err != nil {
			return err
		}
		refs, err = invoke(ctx, &call{
			op: op, client: a.client, what: "actor method", args: args, opts: m.opts, returns: 1, want: w,
			submit: func(cp *C.ray_client_client, list *C.ray_client_args, o *C.ray_client_options, results []*C.ray_client_object_ref) cstatus {
				rp, rn := resultsPtr(results)
				return C.ray_client_actor_call(cp, ap, name, list, o, rp, rn)
			},
		})
		return err
	})
	return refs, err
}

// ActorClass is a Python class on the cluster, by name or defined by source, with the
// options attached to it; like RemoteFunction it is immutable (Options returns a copy),
// its C handle (ray_client_actor_class) is made on first use and Close releases it.
type ActorClass struct {
	callable[*C.ray_client_actor_class]
}

var actorClassKind = callableKind[*C.ray_client_actor_class]{
	what:     "actor class",
	nameWhat: "class name",
	byName: func(m, n *C.char, out **C.ray_client_actor_class) cstatus {
		return C.ray_client_actor_class_new(m, n, out)
	},
	fromSource: func(s, n *C.char, out **C.ray_client_actor_class) cstatus {
		return C.ray_client_actor_class_from_source(s, n, out)
	},
	withOptions: func(k *C.ray_client_actor_class, o *C.ray_client_options, out **C.ray_client_actor_class) cstatus {
		return C.ray_client_actor_class_with_options(k, o, out)
	},
	free: func(k *C.ray_client_actor_class) { C.ray_client_actor_class_free(k) },
}

// ActorClass is the class module.qualname, importable on the cluster.
func (c *Client) ActorClass(module, qualname string) *ActorClass {
	return &ActorClass{newCallable(&actorClassKind, c, module, qualname, false)}
}

// ActorClassFromSource is the class name defined by Python source.
func (c *Client) ActorClassFromSource(source, name string) *ActorClass {
	return &ActorClass{newCallable(&actorClassKind, c, source, name, true)}
}

func (*ActorClass) what() string { return actorClassKind.what }

// Options is a copy of k with opts attached after its own (Name, Namespace, Detached,
// MaxRestarts, resources, ...; later options override earlier ones).
func (k *ActorClass) Options(opts ...Option) *ActorClass {
	if k == nil {
		return nil
	}
	return &ActorClass{k.with(opts)}
}

// Close releases the class's C handle (actors made from it live on); later creations
// fail with ErrClosed. Idempotent.
func (k *ActorClass) Close() error { return closeLazy(k) }

// Remote creates an actor: the class called with args (Kwargs among them become
// keyword arguments). It returns at once; a failure to create shows on the first method
// call.
func (k *ActorClass) Remote(ctx context.Context, args ...any) (*ActorHandle, error) {
	const op = "NewActor"
	var out *C.ray_client_actor
	err := useLazy(k, op, func(kp *C.ray_client_actor_class) error {
		_, err := invoke(ctx, &call{
			op: op, client: k.client, what: actorClassKind.what, args: args, want: wantNone,
			submit: func(cp *C.ray_client_client, list *C.ray_client_args, o *C.ray_client_options, _ []*C.ray_client_object_ref) cstatus {
				return C.ray_client_actor_create(cp, kp, list, o, &out)
			},
			abandon: func() { freeActor(out) },
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return newActorHandle(k.client, out), nil
}

// GetActor is the named actor name in namespace ("" : this client's namespace); it
// fails with ErrInvalidArgument when there is none.
func (c *Client) GetActor(ctx context.Context, name, namespace string) (*ActorHandle, error) {
	const op = "GetActor"
	cn, err := cstring(op, "actor name", name)
	if err != nil {
		return nil, err
	}
	cns, err := cstringOpt(op, "namespace", namespace)
	if err != nil {
		return nil, err
	}
	var out *C.ray_client_actor
	err = blockingCall(ctx, op, c.use, func(cp *C.ray_client_client) cstatus {
		return C.ray_client_actor_get(cp, cn, cns, &out)
	}, func() { freeActor(out) })
	if err != nil {
		return nil, err
	}
	return newActorHandle(c, out), nil
}

// NamedActor identifies a named actor.
type NamedActor struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// ListNamedActors lists the named actors of this client's namespace, or of every
// namespace with allNamespaces.
func (c *Client) ListNamedActors(ctx context.Context, allNamespaces bool) ([]NamedActor, error) {
	return jsonCall[[]NamedActor](ctx, "ListNamedActors", c.use, func(p *C.ray_client_client, s **C.char) cstatus {
		return C.ray_client_actor_list_named(p, cbool(allNamespaces), s)
	})
}
