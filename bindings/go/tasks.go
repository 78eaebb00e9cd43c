package ray

/*
#include "ray_client.h"
*/
import "C"

import "context"

// RemoteFunction is a Python function on the cluster, called by name (module and
// qualified name, importable on the cluster, e.g. shipped in the job's working_dir)
// or defined by source, with the options attached to it. It is an immutable
// description: Options returns a copy, and one RemoteFunction may be used from many
// goroutines.
//
// Ownership: its C handle (ray_client_function) is made on the first call, so that a
// bad name or option is that call's error; Close releases it, and a RemoteFunction
// that becomes unreachable without Close is released by a cleanup after garbage
// collection. It holds nothing on the cluster.
type RemoteFunction struct {
	callable[*C.ray_client_function]
}

var functionKind = callableKind[*C.ray_client_function]{
	what:     "remote function",
	nameWhat: "function name",
	byName: func(m, n *C.char, out **C.ray_client_function) cstatus {
		return C.ray_client_function_new(m, n, out)
	},
	fromSource: func(s, n *C.char, out **C.ray_client_function) cstatus {
		return C.ray_client_function_from_source(s, n, out)
	},
	withOptions: func(f *C.ray_client_function, o *C.ray_client_options, out **C.ray_client_function) cstatus {
		return C.ray_client_function_with_options(f, o, out)
	},
	free: func(f *C.ray_client_function) { C.ray_client_function_free(f) },
}

// Function is the remote function module.qualname (e.g. "math_tasks", "square").
func (c *Client) Function(module, qualname string) *RemoteFunction {
	return &RemoteFunction{newCallable(&functionKind, c, module, qualname, false)}
}

// FunctionFromSource is the function name defined by Python source (a def with the
// imports it needs inside); the cluster receives it by value.
func (c *Client) FunctionFromSource(source, name string) *RemoteFunction {
	return &RemoteFunction{newCallable(&functionKind, c, source, name, true)}
}

func (*RemoteFunction) what() string { return functionKind.what }

// Options is a copy of f with opts attached after its own (later options override
// earlier ones), as Python's f.options(...): every call of the copy uses them.
func (f *RemoteFunction) Options(opts ...Option) *RemoteFunction {
	if f == nil {
		return nil
	}
	return &RemoteFunction{f.with(opts)}
}

// Close releases the function's C handle; later calls fail with ErrClosed. Idempotent.
func (f *RemoteFunction) Close() error { return closeLazy(f) }

// Remote calls the function with args (Kwargs among them become keyword arguments)
// and returns the ref of its result at once; get it with Client.Get. Refs among the
// arguments, also nested, are resolved by Ray before the function runs. A function
// whose options set a num_returns other than 1 is called with RemoteN.
func (f *RemoteFunction) Remote(ctx context.Context, args ...any) (*ObjectRef, error) {
	refs, err := f.remote(ctx, "Remote", wantOne, args, nil)
	if err != nil {
		return nil, err
	}
	return refs[0], nil
}

// RemoteN calls the function with num_returns=n for this call (set over its options,
// as Python's f.options(num_returns=n).remote(...)) and returns the n refs of its
// results, in order (none for n = 0: the task runs, nothing is returned).
func (f *RemoteFunction) RemoteN(ctx context.Context, n int, args ...any) ([]*ObjectRef, error) {
	return f.remote(ctx, "RemoteN", wantRefs, args, []Option{NumReturns(n)})
}

func (f *RemoteFunction) remote(ctx context.Context, op string, w want, args []any, opts []Option) ([]*ObjectRef, error) {
	var refs []*ObjectRef
	err := useLazy(f, op, func(fp *C.ray_client_function) error {
		var err error
		refs, err = invoke(ctx, &call{
			op: op, client: f.client, what: functionKind.what, args: args, opts: opts,
			returns: f.returns, want: w,
			submit: func(cp *C.ray_client_client, a *C.ray_client_args, o *C.ray_client_options, results []*C.ray_client_object_ref) cstatus {
				rp, rn := resultsPtr(results)
				return C.ray_client_function_call(cp, fp, a, o, rp, rn)
			},
		})
		return err
	})
	return refs, err
}

// Call is Function(module, qualname).Remote(ctx, args...), with the function's handle
// released right after the call.
func (c *Client) Call(ctx context.Context, module, qualname string, args ...any) (*ObjectRef, error) {
	f := c.Function(module, qualname)
	defer f.Close()
	return f.Remote(ctx, args...)
}
