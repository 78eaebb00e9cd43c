package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"sort"
	"unsafe"
)

// CallOption is an option of a task, actor creation or actor method call (Python's
// .options(...)). Options that do not apply to a kind of call are refused by the
// cluster when the call is made.
type CallOption func(*callConfig)

type callConfig struct {
	setters    []func(op string, o *C.ray_client_options, cs *cstrings) error
	numReturns int // 0: not set
	errs       []error
}

func (cc *callConfig) set(f func(op string, o *C.ray_client_options, cs *cstrings) error) {
	cc.setters = append(cc.setters, f)
}

func simpleOption(f func(o *C.ray_client_options) C.int) CallOption {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options, _ *cstrings) error {
			return ccall(op, func() C.int { return f(o) })
		})
	}
}

func stringOption(what, s string, f func(o *C.ray_client_options, s *C.char) C.int) CallOption {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options, cs *cstrings) error {
			p, err := cs.add(op, what, s)
			if err != nil {
				return err
			}
			return ccall(op, func() C.int { return f(o, p) })
		})
	}
}

// NumCPUs sets num_cpus.
func NumCPUs(n float64) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_num_cpus(o, C.double(n)) })
}

// NumGPUs sets num_gpus.
func NumGPUs(n float64) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_num_gpus(o, C.double(n)) })
}

// Memory sets memory, in bytes.
func Memory(bytes uint64) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_memory(o, C.uint64_t(bytes)) })
}

// Resource adds (or replaces) one custom resource of resources, e.g. Resource("gadget", 1).
func Resource(name string, amount float64) CallOption {
	return stringOption("resource name", name, func(o *C.ray_client_options, s *C.char) C.int {
		return C.ray_client_options_set_resource(o, s, C.double(amount))
	})
}

// MaxRetries sets max_retries of a task (-1: retry forever).
func MaxRetries(n int64) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_max_retries(o, C.int64_t(n)) })
}

// RetryExceptions sets retry_exceptions: retry a task that raised, not only one whose
// worker died.
func RetryExceptions(retry bool) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int {
		return C.ray_client_options_set_retry_exceptions(o, cbool(retry))
	})
}

// Name sets the name of a task or actor (a named actor can be found with GetActor).
func Name(name string) CallOption {
	return stringOption("name", name, func(o *C.ray_client_options, s *C.char) C.int {
		return C.ray_client_options_set_name(o, s)
	})
}

// Namespace sets the namespace of a named actor.
func Namespace(ns string) CallOption {
	return stringOption("namespace", ns, func(o *C.ray_client_options, s *C.char) C.int {
		return C.ray_client_options_set_namespace(o, s)
	})
}

// Detached sets lifetime="detached": the actor outlives this client and must be killed
// explicitly.
func Detached() CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_detached(o) })
}

// MaxRestarts sets max_restarts of an actor (-1: forever).
func MaxRestarts(n int64) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_max_restarts(o, C.int64_t(n)) })
}

// MaxTaskRetries sets max_task_retries of an actor.
func MaxTaskRetries(n int64) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int {
		return C.ray_client_options_set_max_task_retries(o, C.int64_t(n))
	})
}

// MaxConcurrency sets max_concurrency of an actor (a threaded actor runs that many
// method calls at once).
func MaxConcurrency(n int64) CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int {
		return C.ray_client_options_set_max_concurrency(o, C.int64_t(n))
	})
}

// GetIfExists sets get_if_exists of a named actor: creating it returns the existing
// actor of that name instead of failing.
func GetIfExists() CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_get_if_exists(o, 1) })
}

// RuntimeEnv sets the runtime_env of a task or actor from a Go value that encodes to a
// JSON object (env_vars, pip, working_dir, ...).
func RuntimeEnv(env any) CallOption {
	return func(cc *callConfig) {
		js, err := runtimeEnvJSON(env)
		if err != nil {
			cc.errs = append(cc.errs, errInvalid("RuntimeEnv", "%v", err))
			return
		}
		stringOption("runtime env", js, func(o *C.ray_client_options, s *C.char) C.int {
			return C.ray_client_options_set_runtime_env_json(o, s)
		})(cc)
	}
}

// SchedulingSpread sets scheduling_strategy="SPREAD".
func SchedulingSpread() CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_scheduling_spread(o) })
}

// SchedulingDefault sets scheduling_strategy="DEFAULT".
func SchedulingDefault() CallOption {
	return simpleOption(func(o *C.ray_client_options) C.int { return C.ray_client_options_set_scheduling_default(o) })
}

// NodeAffinity runs the task or actor on the node with hex id nodeID
// (NodeAffinitySchedulingStrategy); with soft, elsewhere when that node cannot.
func NodeAffinity(nodeID string, soft bool) CallOption {
	return stringOption("node id", nodeID, func(o *C.ray_client_options, s *C.char) C.int {
		return C.ray_client_options_set_scheduling_node_affinity(o, s, cbool(soft))
	})
}

// InPlacementGroup schedules into placement group pg (PlacementGroupSchedulingStrategy),
// in bundle bundleIndex (-1: any bundle); captureChildTasks places the tasks it starts
// there too.
func InPlacementGroup(pg *PlacementGroup, bundleIndex int, captureChildTasks bool) CallOption {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options, _ *cstrings) error {
			return pg.use(op, func(p *C.ray_client_placement_group) error {
				return ccall(op, func() C.int {
					return C.ray_client_options_set_scheduling_placement_group(o, p, C.int64_t(bundleIndex), cbool(captureChildTasks))
				})
			})
		})
	}
}

// OptionJSON sets any other .options() keyword to the value of JSON text (the
// library's JSON value rules), e.g. OptionJSON("max_calls", "3").
func OptionJSON(key, js string) CallOption {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options, cs *cstrings) error {
			k, err := cs.add(op, "option key", key)
			if err != nil {
				return err
			}
			j, err := cs.add(op, "option JSON", js)
			if err != nil {
				return err
			}
			return ccall(op, func() C.int { return C.ray_client_options_set_json(o, k, j) })
		})
	}
}

// OptionValue sets any .options() keyword to a Go value (converted by the package's
// rules), e.g. OptionValue("max_calls", 3).
func OptionValue(key string, v any) CallOption {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options, cs *cstrings) error {
			k, err := cs.add(op, "option key", key)
			if err != nil {
				return err
			}
			val, err := encodeValue(op, nil, v)
			if err != nil {
				return err
			}
			defer C.ray_client_value_free(val)
			return ccall(op, func() C.int { return C.ray_client_options_set_value(o, k, val) })
		})
	}
}

// buildOptions makes the C options of a call (nil when there are none); the caller
// frees them with C.ray_client_options_free.
func buildOptions(op string, opts []CallOption, numReturns int, cs *cstrings) (*C.ray_client_options, error) {
	var cc callConfig
	for _, o := range opts {
		if o == nil {
			return nil, errInvalid(op, "nil CallOption")
		}
		o(&cc)
	}
	if len(cc.errs) > 0 {
		return nil, cc.errs[0]
	}
	if len(cc.setters) == 0 && numReturns == 0 {
		return nil, nil
	}
	var o *C.ray_client_options
	if err := ccall(op, func() C.int { return C.ray_client_options_new(&o) }); err != nil {
		return nil, err
	}
	for _, s := range cc.setters {
		if err := s(op, o, cs); err != nil {
			C.ray_client_options_free(o)
			return nil, err
		}
	}
	if numReturns > 0 {
		if err := ccall(op, func() C.int { return C.ray_client_options_set_num_returns(o, C.size_t(numReturns)) }); err != nil {
			C.ray_client_options_free(o)
			return nil, err
		}
	}
	return o, nil
}

// callArgs is the C form of a call's arguments, options and strings; free releases
// everything.
type callArgs struct {
	args    []*C.ray_client_value
	kwNames []*C.char
	kwVals  []*C.ray_client_value
	opts    *C.ray_client_options
	cs      cstrings
}

func (a *callArgs) free() {
	freeValues(a.args)
	freeValues(a.kwVals)
	if a.opts != nil {
		C.ray_client_options_free(a.opts)
	}
	a.cs.free()
}

func (a *callArgs) argsPtr() **C.ray_client_value {
	if len(a.args) == 0 {
		return nil
	}
	return &a.args[0]
}

func (a *callArgs) kwNamesPtr() **C.char {
	if len(a.kwNames) == 0 {
		return nil
	}
	return &a.kwNames[0]
}

func (a *callArgs) kwValsPtr() **C.ray_client_value {
	if len(a.kwVals) == 0 {
		return nil
	}
	return &a.kwVals[0]
}

// prepareCall converts args (Kwargs among them become keyword arguments) and options.
func prepareCall(op string, c *Client, args []any, opts []CallOption, numReturns int) (*callArgs, error) {
	a := &callArgs{}
	kw := map[string]any{}
	for i, arg := range args {
		if k, ok := arg.(Kwargs); ok {
			for name, v := range k {
				kw[name] = v
			}
			continue
		}
		v, err := encodeValue(op, c, arg)
		if err != nil {
			a.free()
			return nil, prefixPath(err, i)
		}
		a.args = append(a.args, v)
	}
	names := make([]string, 0, len(kw))
	for name := range kw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cn, err := a.cs.add(op, "keyword argument name", name)
		if err != nil {
			a.free()
			return nil, err
		}
		v, err := encodeValue(op, c, kw[name])
		if err != nil {
			a.free()
			return nil, err
		}
		a.kwNames = append(a.kwNames, cn)
		a.kwVals = append(a.kwVals, v)
	}
	o, err := buildOptions(op, opts, numReturns, &a.cs)
	if err != nil {
		a.free()
		return nil, err
	}
	a.opts = o
	return a, nil
}

// prefixPath names the argument in a conversion error ("value" → "args[i]").
func prefixPath(err error, i int) error {
	if ce, ok := err.(*ConversionError); ok {
		cp := *ce
		if len(cp.Message) >= 5 && cp.Message[:5] == "value" {
			cp.Message = "args[" + itoaSmall(i) + "]" + cp.Message[5:]
		}
		return &cp
	}
	return err
}

func itoaSmall(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// pyCallable is what a remote function and an actor class share: a Python callable on
// the cluster, named by module and qualified name (importable there) or defined by
// source, and the options its calls take. Immutable: withOptions copies.
type pyCallable struct {
	client   *Client
	module   string // or the source
	name     string
	bySource bool
	opts     []CallOption
}

// withOptions is a copy of p with opts after its own (later options override earlier
// ones); the copy shares no slice with p.
func (p pyCallable) withOptions(opts []CallOption) pyCallable {
	p.opts = append(append([]CallOption(nil), p.opts...), opts...)
	return p
}

// prepare checks what a call of p needs (a client, a live context) and converts its
// arguments, options (numReturns n), module or source and name (nameWhat says which
// name, for errors). The caller frees the returned callArgs, which own the two strings.
func (p *pyCallable) prepare(ctx context.Context, op, nameWhat string, args []any, n int) (*callArgs, *C.char, *C.char, error) {
	if p.client == nil {
		return nil, nil, nil, errNil(op, "client")
	}
	if ctx == nil {
		return nil, nil, nil, errNil(op, "context")
	}
	if ctx.Err() != nil {
		return nil, nil, nil, ctxError(op, ctx)
	}
	a, err := prepareCall(op, p.client, args, p.opts, n)
	if err != nil {
		return nil, nil, nil, err
	}
	mod, err := a.cs.add(op, "module/source", p.module)
	if err != nil {
		a.free()
		return nil, nil, nil, err
	}
	name, err := a.cs.add(op, nameWhat, p.name)
	if err != nil {
		a.free()
		return nil, nil, nil, err
	}
	return a, mod, name, nil
}

// RemoteFunction is a Python function on the cluster, called by name (module and
// qualified name, importable on the cluster, e.g. shipped in the job's working_dir)
// or defined by source. It is an immutable description: Options returns a copy, and one
// RemoteFunction may be used from many goroutines.
type RemoteFunction struct{ pyCallable }

// Function is the remote function module.qualname (e.g. "math_tasks", "square").
func (c *Client) Function(module, qualname string) *RemoteFunction {
	return &RemoteFunction{pyCallable{client: c, module: module, name: qualname}}
}

// FunctionFromSource is the function name defined by Python source (a def with the
// imports it needs inside); the cluster receives it by value.
func (c *Client) FunctionFromSource(source, name string) *RemoteFunction {
	return &RemoteFunction{pyCallable{client: c, module: source, name: name, bySource: true}}
}

// Options is a copy of f with opts added (later options override earlier ones).
func (f *RemoteFunction) Options(opts ...CallOption) *RemoteFunction {
	if f == nil {
		return nil
	}
	return &RemoteFunction{f.withOptions(opts)}
}

// Remote calls the function with args (Kwargs among them become keyword arguments)
// and returns the ref of its result at once; get it with Client.Get. Refs among the
// arguments, also nested, are resolved by Ray before the function runs.
func (f *RemoteFunction) Remote(ctx context.Context, args ...any) (*ObjectRef, error) {
	refs, err := f.remote(ctx, "Remote", 0, args)
	if err != nil {
		return nil, err
	}
	return refs[0], nil
}

// RemoteN calls a function that returns n values (num_returns=n) and returns their n
// refs.
func (f *RemoteFunction) RemoteN(ctx context.Context, n int, args ...any) ([]*ObjectRef, error) {
	if n < 1 {
		return nil, errInvalid("RemoteN", "n must be at least 1, got %d", n)
	}
	return f.remote(ctx, "RemoteN", n, args)
}

func (f *RemoteFunction) remote(ctx context.Context, op string, n int, args []any) ([]*ObjectRef, error) {
	if f == nil {
		return nil, errNil(op, "remote function")
	}
	c := f.client
	a, mod, name, err := f.prepare(ctx, op, "function name", args, n)
	if err != nil {
		return nil, err
	}
	defer a.free()
	var refs []*ObjectRef
	err = c.use(op, func(cp *C.ray_client_client) error {
		return blocking(ctx, op, func() error {
			var err error
			refs, err = callRefs(op, c, n, func(one **C.ray_client_object_ref, many ***C.ray_client_object_ref, cnt *C.size_t) C.int {
				nargs, nkw := C.size_t(len(a.args)), C.size_t(len(a.kwVals))
				switch {
				case f.bySource && n == 0:
					return C.ray_client_call_source(cp, mod, name, a.argsPtr(), nargs, a.kwNamesPtr(), a.kwValsPtr(), nkw, a.opts, one)
				case f.bySource:
					return C.ray_client_call_source_n(cp, mod, name, a.argsPtr(), nargs, a.kwNamesPtr(), a.kwValsPtr(), nkw, a.opts, many, cnt)
				case n == 0:
					return C.ray_client_call(cp, mod, name, a.argsPtr(), nargs, a.kwNamesPtr(), a.kwValsPtr(), nkw, a.opts, one)
				default:
					return C.ray_client_call_n(cp, mod, name, a.argsPtr(), nargs, a.kwNamesPtr(), a.kwValsPtr(), nkw, a.opts, many, cnt)
				}
			})
			return err
		}, func() { closeRefs(refs) })
	})
	if err != nil {
		return nil, err
	}
	return refs, nil
}

// callRefs runs a call that returns one ref (n == 0) or an array of refs and wraps
// them.
func callRefs(op string, c *Client, n int, f func(one **C.ray_client_object_ref, many ***C.ray_client_object_ref, cnt *C.size_t) C.int) ([]*ObjectRef, error) {
	if n == 0 {
		var out *C.ray_client_object_ref
		if err := ccall(op, func() C.int { return f(&out, nil, nil) }); err != nil {
			return nil, err
		}
		return []*ObjectRef{newObjectRef(c, out)}, nil
	}
	var arr **C.ray_client_object_ref
	var cnt C.size_t
	if err := ccall(op, func() C.int { return f(nil, &arr, &cnt) }); err != nil {
		return nil, err
	}
	// The array's free releases every handle it was made with, whatever the array holds
	// by then, so each ref is kept through a clone of its own.
	defer C.ray_client_object_ref_array_free(arr)
	ptrs := unsafe.Slice(arr, int(cnt))
	refs := make([]*ObjectRef, 0, len(ptrs))
	for _, p := range ptrs {
		var cl *C.ray_client_object_ref
		if err := ccall(op, func() C.int { return C.ray_client_object_ref_clone(p, &cl) }); err != nil {
			closeRefs(refs)
			return nil, err
		}
		refs = append(refs, newObjectRef(c, cl))
	}
	return refs, nil
}

func closeRefs(refs []*ObjectRef) {
	for _, r := range refs {
		_ = r.Close()
	}
}

// Call is Function(module, qualname).Remote(ctx, args...).
func (c *Client) Call(ctx context.Context, module, qualname string, args ...any) (*ObjectRef, error) {
	return c.Function(module, qualname).Remote(ctx, args...)
}
