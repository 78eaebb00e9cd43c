package ray

/*
#include "ray_client.h"
*/
import "C"

import (
	"encoding/json"
	"reflect"
)

// Option is an option of a task, an actor's creation or an actor method call (Python's
// .options(...)): attached to a [RemoteFunction] or [ActorClass] with their Options
// method, or given to one method call with [ActorMethod.Options]. Options that do not
// apply to a kind of call are refused by the cluster when the call is made.
type Option func(*callConfig)

// callConfig is what a list of Options sets: the C setters to run on a
// ray_client_options, and the num_returns they give, which sizes a call's results.
type callConfig struct {
	setters []func(op string, o *C.ray_client_options) error
	// numReturns is the num_returns the options set (nil: not set, 1 then); tracked here
	// because the caller sizes the results array of a call, and the C options cannot
	// be read back.
	numReturns *int
	errs       []error
}

func (cc *callConfig) set(f func(op string, o *C.ray_client_options) error) {
	cc.setters = append(cc.setters, f)
}

func simpleOption(f func(o *C.ray_client_options) cstatus) Option {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options) error {
			return ccall(op, func() cstatus { return f(o) })
		})
	}
}

func stringOption(what, s string, f func(o *C.ray_client_options, s *C.char) cstatus) Option {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options) error {
			p, err := cstring(op, what, s)
			if err != nil {
				return err
			}
			return ccall(op, func() cstatus { return f(o, p) })
		})
	}
}

// NumCPUs sets num_cpus.
func NumCPUs(n float64) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_num_cpus(o, C.double(n)) })
}

// NumGPUs sets num_gpus.
func NumGPUs(n float64) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_num_gpus(o, C.double(n)) })
}

// Memory sets memory, in bytes.
func Memory(bytes uint64) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_memory(o, C.uint64_t(bytes)) })
}

// Resource adds (or replaces) one custom resource of resources, e.g. Resource("gadget", 1).
func Resource(name string, amount float64) Option {
	return stringOption("resource name", name, func(o *C.ray_client_options, s *C.char) cstatus {
		return C.ray_client_options_set_resource(o, s, C.double(amount))
	})
}

// MaxRetries sets max_retries of a task (-1: retry forever).
func MaxRetries(n int64) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_max_retries(o, C.int64_t(n)) })
}

// RetryExceptions sets retry_exceptions: retry a task that raised, not only one whose
// worker died.
func RetryExceptions(retry bool) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus {
		return C.ray_client_options_set_retry_exceptions(o, cbool(retry))
	})
}

// NumReturns sets num_returns: how many results a call returns, each its own ref (0:
// none, as in Ray). A call with a num_returns other than 1 is made with RemoteN, which
// returns that many refs; Remote, which returns one, refuses it.
func NumReturns(n int) Option {
	return func(cc *callConfig) {
		if n < 0 {
			cc.errs = append(cc.errs, errInvalid("NumReturns", "num_returns only accepts a non-negative integer, got %d", n))
			return
		}
		cc.numReturns = &n
		cc.set(func(op string, o *C.ray_client_options) error {
			return ccall(op, func() cstatus { return C.ray_client_options_set_num_returns(o, C.size_t(n)) })
		})
	}
}

// Name sets the name of a task or actor (a named actor can be found with GetActor).
func Name(name string) Option {
	return stringOption("name", name, func(o *C.ray_client_options, s *C.char) cstatus {
		return C.ray_client_options_set_name(o, s)
	})
}

// Namespace sets the namespace of a named actor.
func Namespace(ns string) Option {
	return stringOption("namespace", ns, func(o *C.ray_client_options, s *C.char) cstatus {
		return C.ray_client_options_set_namespace(o, s)
	})
}

// Detached sets lifetime="detached": the actor outlives this client and must be killed
// explicitly.
func Detached() Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_detached(o) })
}

// MaxRestarts sets max_restarts of an actor (-1: forever).
func MaxRestarts(n int64) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_max_restarts(o, C.int64_t(n)) })
}

// MaxTaskRetries sets max_task_retries of an actor.
func MaxTaskRetries(n int64) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus {
		return C.ray_client_options_set_max_task_retries(o, C.int64_t(n))
	})
}

// MaxConcurrency sets max_concurrency of an actor (a threaded actor runs that many
// method calls at once).
func MaxConcurrency(n int64) Option {
	return simpleOption(func(o *C.ray_client_options) cstatus {
		return C.ray_client_options_set_max_concurrency(o, C.int64_t(n))
	})
}

// GetIfExists sets get_if_exists of a named actor: creating it returns the existing
// actor of that name instead of failing.
func GetIfExists() Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_get_if_exists(o, 1) })
}

// RuntimeEnv sets the runtime_env of a task or actor from a Go value that encodes to a
// JSON object (env_vars, pip, working_dir, ...).
func RuntimeEnv(env any) Option {
	return func(cc *callConfig) {
		js, err := runtimeEnvJSON(env)
		if err != nil {
			cc.errs = append(cc.errs, errInvalid("RuntimeEnv", "%v", err))
			return
		}
		stringOption("runtime env", js, func(o *C.ray_client_options, s *C.char) cstatus {
			return C.ray_client_options_set_runtime_env_json(o, s)
		})(cc)
	}
}

// SchedulingSpread sets scheduling_strategy="SPREAD".
func SchedulingSpread() Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_scheduling_spread(o) })
}

// SchedulingDefault sets scheduling_strategy="DEFAULT".
func SchedulingDefault() Option {
	return simpleOption(func(o *C.ray_client_options) cstatus { return C.ray_client_options_set_scheduling_default(o) })
}

// NodeAffinity runs the task or actor on the node with hex id nodeID
// (NodeAffinitySchedulingStrategy); with soft, elsewhere when that node cannot.
func NodeAffinity(nodeID string, soft bool) Option {
	return stringOption("node id", nodeID, func(o *C.ray_client_options, s *C.char) cstatus {
		return C.ray_client_options_set_scheduling_node_affinity(o, s, cbool(soft))
	})
}

// InPlacementGroup schedules into placement group pg (PlacementGroupSchedulingStrategy),
// in bundle bundleIndex (-1: any bundle); captureChildTasks places the tasks it starts
// there too.
func InPlacementGroup(pg *PlacementGroup, bundleIndex int, captureChildTasks bool) Option {
	return func(cc *callConfig) {
		cc.set(func(op string, o *C.ray_client_options) error {
			return pg.use(op, func(p *C.ray_client_placement_group) error {
				return ccall(op, func() cstatus {
					return C.ray_client_options_set_scheduling_placement_group(o, p, C.int64_t(bundleIndex), cbool(captureChildTasks))
				})
			})
		})
	}
}

// OptionJSON sets any other .options() keyword to the value of JSON text (the
// library's JSON value rules), e.g. OptionJSON("max_calls", "3").
func OptionJSON(key, js string) Option {
	return func(cc *callConfig) {
		if key == numReturnsKey {
			var n *int64 // nil for null
			if json.Unmarshal([]byte(js), &n) == nil {
				if n == nil {
					cc.trackNumReturns(nil)
				} else {
					cc.trackNumReturns(*n)
				}
			}
		}
		cc.set(func(op string, o *C.ray_client_options) error {
			k, err := cstring(op, "option key", key)
			if err != nil {
				return err
			}
			j, err := cstring(op, "option JSON", js)
			if err != nil {
				return err
			}
			return ccall(op, func() cstatus { return C.ray_client_options_set_json(o, k, j) })
		})
	}
}

// OptionValue sets any .options() keyword to a Go value (converted by the package's
// rules), e.g. OptionValue("max_calls", 3).
func OptionValue(key string, v any) Option {
	return func(cc *callConfig) {
		if key == numReturnsKey {
			cc.trackNumReturns(v)
		}
		cc.set(func(op string, o *C.ray_client_options) error {
			k, err := cstring(op, "option key", key)
			if err != nil {
				return err
			}
			val, err := encodeValue(op, nil, v)
			if err != nil {
				return err
			}
			defer C.ray_client_value_free(val)
			return ccall(op, func() cstatus { return C.ray_client_options_set_value(o, k, val) })
		})
	}
}

const numReturnsKey = "num_returns"

// trackNumReturns records a num_returns given by key (OptionJSON, OptionValue) as
// NumReturns records its own: nil is None (Ray's default, 1), a Go integer from 0 a
// count. Another value is left to the library, which refuses it with Ray's rule when
// the call is made, before anything is sent.
func (cc *callConfig) trackNumReturns(v any) {
	if v == nil {
		one := 1
		cc.numReturns = &one
		return
	}
	rv := reflect.ValueOf(v)
	var n int
	switch {
	case rv.CanInt() && rv.Int() >= 0 && int64(int(rv.Int())) == rv.Int():
		n = int(rv.Int())
	case rv.CanUint() && rv.Uint() <= uint64(maxInt):
		n = int(rv.Uint())
	default:
		return
	}
	cc.numReturns = &n
}

const maxInt = int(^uint(0) >> 1)

// buildOptions makes the C options opts set (nil when they set nothing), which the
// caller frees with C.ray_client_options_free, and the num_returns they set (nil: not
// set).
func buildOptions(op string, opts []Option) (*C.ray_client_options, *int, error) {
	var cc callConfig
	for _, o := range opts {
		if o == nil {
			return nil, nil, errInvalid(op, "nil Option")
		}
		o(&cc)
	}
	if len(cc.errs) > 0 {
		return nil, nil, cc.errs[0]
	}
	if len(cc.setters) == 0 {
		return nil, nil, nil
	}
	var o *C.ray_client_options
	if err := ccall(op, func() cstatus { return C.ray_client_options_new(&o) }); err != nil {
		return nil, nil, err
	}
	for _, s := range cc.setters {
		if err := s(op, o); err != nil {
			C.ray_client_options_free(o)
			return nil, nil, err
		}
	}
	return o, cc.numReturns, nil
}
