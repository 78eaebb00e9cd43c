package ray

/*
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"sync/atomic"
)

// One way to call: a remote function's call, an actor's creation and an actor method's
// call all go through invoke, which makes the C argument list, the call's options and
// the results array, and runs the one C call that differs (ray_client_function_call,
// ray_client_actor_create, ray_client_actor_call).

// callable is what a RemoteFunction and an ActorClass share: a Python callable on the
// cluster, by module and qualified name (importable there) or defined by source, with
// the options attached to it; its C handle (P: *C.ray_client_function or
// *C.ray_client_actor_class) is made on first use. Immutable once made: with copies.
type callable[P comparable] struct {
	kind     *callableKind[P]
	client   *Client
	code     string // the module, or the source
	name     string
	bySource bool
	opts     []Option // attached, in order (later ones override earlier ones)
	// returns is the num_returns opts set (1 when they don't); set with the handle.
	returns int
	h       lazyHandle[P]
}

// callableKind is the C side of one kind of callable.
type callableKind[P comparable] struct {
	what        string // "remote function", "actor class"
	nameWhat    string // what the name is called in errors
	byName      func(module, qualname *C.char, out *P) cstatus
	fromSource  func(source, name *C.char, out *P) cstatus
	withOptions func(p P, o *C.ray_client_options, out *P) cstatus
	free        func(P)
}

func newCallable[P comparable](kind *callableKind[P], c *Client, code, name string, bySource bool) callable[P] {
	return callable[P]{kind: kind, client: c, code: code, name: name, bySource: bySource}
}

// with is the same callable with opts attached after its own; the copy shares no slice
// (and no handle) with k.
func (k *callable[P]) with(opts []Option) callable[P] {
	return callable[P]{kind: k.kind, client: k.client, code: k.code, name: k.name, bySource: k.bySource,
		opts: append(append([]Option(nil), k.opts...), opts...)}
}

func (k *callable[P]) lazy() *lazyHandle[P] { return &k.h }

// makeHandle makes the C handle (see lazyWrapper): by name or from source, then, when
// options are attached, the same with all of them at once (the library's _with_options
// replaces the options a handle has, so Options calls cannot each attach theirs).
func (k *callable[P]) makeHandle(op string) error {
	what := "module"
	mk := k.kind.byName
	if k.bySource {
		what, mk = "source", k.kind.fromSource
	}
	code, err := cstring(op, what, k.code)
	if err != nil {
		return err
	}
	name, err := cstring(op, k.kind.nameWhat, k.name)
	if err != nil {
		return err
	}
	o, n, err := buildOptions(op, k.opts)
	if err != nil {
		return err
	}
	defer C.ray_client_options_free(o)
	var p P
	if err := ccall(op, func() cstatus { return mk(code, name, &p) }); err != nil {
		return err
	}
	if o != nil {
		bare := p
		err := ccall(op, func() cstatus { return k.kind.withOptions(bare, o, &p) })
		k.kind.free(bare)
		if err != nil {
			return err
		}
	}
	k.returns = 1
	if n != nil {
		k.returns = *n
	}
	own(k, &k.h.handle, p, k.kind.free)
	return nil
}

// want is what the caller of invoke takes from a call.
type want int

const (
	wantOne  want = iota // exactly one ref (Remote): another num_returns is refused
	wantRefs             // one ref per return value, num_returns of them (RemoteN)
	wantNone             // no refs: an actor's creation, which makes an actor
)

// call is one call as invoke makes it.
type call struct {
	op     string
	client *Client
	what   string // what is called, for errors ("remote function", "actor method")
	args   []any
	opts   []Option // this call's options, set over those attached to what is called
	// returns is the num_returns attached to what is called (1 when not set), which
	// this call's options may override.
	returns int
	want    want
	// submit makes the C call, with the call's argument list and options (each may be
	// NULL) and a results array with room for exactly the refs the call returns.
	submit func(cp *C.ray_client_client, args *C.ray_client_args, o *C.ray_client_options, results []*C.ray_client_object_ref) cstatus
	// abandon releases what submit made besides refs (an actor) when ctx ended first.
	abandon func()
}

// invoke makes a call: it converts the Go arguments into a C argument list (a Kwargs
// among them gives keyword arguments), builds the call's options, sizes the results to
// the call's num_returns (this call's options over the attached ones, as the library
// merges them), and runs submit; each ref in the results is owned by the returned
// *ObjectRef.
func invoke(ctx context.Context, cl *call) ([]*ObjectRef, error) {
	op, c := cl.op, cl.client
	if c == nil {
		return nil, errNil(op, "client")
	}
	if err := checkContext(op, ctx); err != nil {
		return nil, err
	}
	o, perCall, err := buildOptions(op, cl.opts)
	if err != nil {
		return nil, err
	}
	n := cl.returns
	if perCall != nil {
		n = *perCall
	}
	switch {
	case cl.want == wantNone:
		n = 0
	case cl.want == wantOne && n != 1:
		C.ray_client_options_free(o)
		return nil, errInvalid(op, "the %s returns %d results (num_returns): call it with RemoteN", cl.what, n)
	}
	args, err := buildArgs(op, c, cl.args)
	if err != nil {
		C.ray_client_options_free(o)
		return nil, err
	}
	// The C call reads the list and options, and may outlive this function when ctx
	// ends first (blocking abandons it): the call releases them when it returns, or this
	// function when the call never started.
	inputs := &handOver{release: func() {
		C.ray_client_args_free(args)
		C.ray_client_options_free(o)
	}}
	defer inputs.ifUnused()
	results := make([]*C.ray_client_object_ref, min(n, maxResults))
	err = c.use(op, func(cp *C.ray_client_client) error {
		return blocking(ctx, op, func() error {
			if !inputs.take() {
				return errAbandoned
			}
			defer inputs.release()
			return ccall(op, func() cstatus { return cl.submit(cp, args, o, results) })
		}, func() {
			for _, r := range results {
				freeRef(r)
			}
			if cl.abandon != nil {
				cl.abandon()
			}
		})
	})
	if err != nil {
		return nil, err
	}
	refs := make([]*ObjectRef, len(results))
	for i, r := range results {
		refs[i] = newObjectRef(c, r)
	}
	return refs, nil
}

// maxResults bounds the results array of a call: a larger num_returns gets an empty
// one, and the library, whose limit is lower, refuses the count (Ray's rule in the
// message) instead of this package allocating gigabytes first.
const maxResults = 1 << 20

// resultsPtr is the C form of a results array: NULL when it has no room (num_returns 0).
func resultsPtr(results []*C.ray_client_object_ref) (**C.ray_client_object_ref, C.size_t) {
	if len(results) == 0 {
		return nil, 0
	}
	// Go memory holding only C pointers, which cgo lets C fill during the call.
	return &results[0], C.size_t(len(results))
}

// buildArgs is args as a C argument list (NULL for none): positional values in order,
// and the entries of each Kwargs among them as keyword arguments, a Kwargs's names in
// sorted order. A name given twice (in two Kwargs) is refused by the library, as
// Python refuses f(x=1, x=2).
func buildArgs(op string, c *Client, args []any) (*C.ray_client_args, error) {
	if len(args) == 0 {
		return nil, nil
	}
	var list *C.ray_client_args
	if err := ccall(op, func() cstatus { return C.ray_client_args_new(&list) }); err != nil {
		return nil, err
	}
	push := func(path string, kw *string, v any) error {
		e := encoder{op: op, client: c}
		val, err := e.encode(reflect.ValueOf(v), path, 0)
		if err != nil {
			return err
		}
		defer C.ray_client_value_free(val)
		if kw == nil {
			return ccall(op, func() cstatus { return C.ray_client_args_push(list, val) })
		}
		name, err := cstring(op, "keyword argument name", *kw)
		if err != nil {
			return err
		}
		return ccall(op, func() cstatus { return C.ray_client_args_push_kw(list, name, val) })
	}
	for i, arg := range args {
		var err error
		if kw, ok := arg.(Kwargs); ok {
			names := make([]string, 0, len(kw))
			for name := range kw {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if err = push("Kwargs["+strconv.Quote(name)+"]", &name, kw[name]); err != nil {
					break
				}
			}
		} else {
			err = push("args["+strconv.Itoa(i)+"]", nil, arg)
		}
		if err != nil {
			C.ray_client_args_free(list)
			return nil, err
		}
	}
	return list, nil
}

// errAbandoned: a C call that blocking abandoned did not start (nobody reads it).
var errAbandoned = errors.New("ray: call abandoned before it started")

// handOver guards what a C call reads and someone must release (an argument list,
// options): the call takes it (take) and releases it when done; if the call never
// started, the caller releases it (ifUnused, deferred). One of them wins take, so the
// release happens once, and never under a running C call.
type handOver struct {
	taken   atomic.Bool
	release func()
}

func (h *handOver) take() bool { return h.taken.CompareAndSwap(false, true) }

func (h *handOver) ifUnused() {
	if h.take() {
		h.release()
	}
}
