// Package ray is a Go client for Ray clusters, over the C ABI of libray_client (a
// native Ray Client: include/ray_client.h in this repository). It connects to a
// cluster's client server (ray://host:port), stores and fetches objects, calls Python
// functions and actors by name or from source, and uses the cluster's key-value store,
// placement groups and log streaming.
//
//	ctx := context.Background()
//	c, err := ray.Connect(ctx, "ray://127.0.0.1:10001",
//		ray.WithRuntimeEnv(map[string]any{"working_dir": "./py"}))
//	if err != nil { ... }
//	defer c.Close()
//	ref, err := c.Call(ctx, "tasks", "square", 7)
//	n, err := ray.GetAs[int](ctx, c, ref) // 49
//
// # Calls
//
// There is one way to call, whatever is called: a [RemoteFunction] ([Client.Function],
// [Client.FunctionFromSource]), an [ActorClass] ([Client.ActorClass],
// [Client.ActorClassFromSource]) or an actor's method ([ActorHandle.Method]) is
// called with Remote (one result, or an actor from a class) or RemoteN (n results,
// num_returns=n), with Go values as positional arguments and a [Kwargs] among them for
// keyword arguments (a name given twice is refused, as in Python). Options ([Option]:
// [NumCPUs], [Name], [NumReturns], ...) are attached with Options, which returns a copy,
// as Python's .options(...); RemoteN's count is set over them for its call.
// [Client.Call] and [ActorHandle.Call] are the short forms for one result.
//
// # Contexts, errors
//
// Every call that may wait on the cluster takes a context.Context: its deadline
// becomes the call's timeout and its cancellation ends the wait (a call the C library
// cannot interrupt then finishes in the background and its result is released).
// Errors are values of the types [TaskError] (remote type, cause type, the exception's
// own message, traceback), [TimeoutError] (also matching context.DeadlineExceeded),
// [ActorDiedError], [ConnectionLostError], [ConversionError] and [Error], for
// errors.As, and match the sentinels [ErrTaskFailed], [ErrTaskCancelled], [ErrTimeout], [ErrActorDied],
// [ErrConnectionLost], [ErrClosed], [ErrNilHandle], [ErrConversion], ... for errors.Is.
// Their text says the operation once: the C library's messages say what was being done
// ("ray: get: KeyError: 'x'"), this package's own name the Go method ("ray: GetInto:
// value: cannot store a str into a Go int"). Methods on nil or closed handles and
// unconvertible values return errors; they never panic.
//
// # Goroutine safety and ownership
//
// A [Client] and everything it hands out ([ObjectRef], [ActorHandle], [PlacementGroup],
// [RemoteFunction], [ActorClass]) may be used by any number of goroutines at once. Each
// has a Close method that releases its handle in the C library at once (a
// RemoteFunction's or ActorClass's handle is made on its first call); a handle that
// becomes unreachable without Close is released by a cleanup (runtime.AddCleanup) after
// garbage collection, as a safety net. Closing a Client disconnects it.
//
// # Conversion of values
//
// Arguments, Put values and results cross as Python values:
//
//	Go                                        Python
//	nil, nil pointer/map/interface            None
//	bool                                      bool
//	int*, uint* (and named types of them)     int (beyond int64: *big.Int ↔ int)
//	float32, float64                          float
//	string                                    str
//	[]byte, [N]byte                           bytes (ByteArray: bytearray)
//	[]int8 … []int64, []int, []uint16 …       1-D numpy array of that dtype
//	  []uint64, []uint, []float32, []float64    ([]uint8 is bytes, not an array)
//	NDArray                                   numpy array of any shape and dtype
//	other slices and arrays ([]any, []string) list (nil slice: None)
//	Tuple, Set, FrozenSet                     tuple, set, frozenset
//	map[K]V                                   dict (string and number keys sorted)
//	Dict ([]DictItem{Key, Value})             dict, entries in order (any keys)
//	struct                                    dict of str keys (rule below)
//	*ObjectRef, *ActorHandle                  object ref, actor handle (same client)
//	*Borrowed                                 bytes or numpy array over Go memory
//	Opaque                                    the Python object it describes
//
// Structs: each exported field is a dict entry named by its `ray:"name"` tag, or else
// by its Go name; `ray:"-"` skips a field and `ray:"name,omitempty"` omits a zero
// value; fields of embedded structs without a tag are promoted. Decoding into a struct
// matches dict keys to those names exactly, then ignoring case; other keys are ignored.
//
// Decoding into an any (Client.Get) gives: None → nil, bool, int → int64 (or *big.Int
// when it does not fit, as numpy's uint64 maximum), float → float64, str → string, bytes
// and bytearray → []byte, list, tuple, set and frozenset → []any, dict → map[string]any
// when all keys are str, map[any]any when all keys can be Go map keys, else a [Dict]
// (keys that are tuples, frozensets or bytes), a 1-D numpy array → the typed slice
// ([]float64, ...), other arrays → NDArray, numpy scalars → the number or bool they hold,
// refs and actors → *ObjectRef and *ActorHandle (owned by the caller: Close them), anything
// else → Opaque. Dict keys and set elements are hashable Python values and keep their
// kind: their tuples decode as Tuple and frozensets as FrozenSet, so that they encode
// back to the same values. Decoding into a typed destination (GetInto, GetAs) converts
// from that form and fails with a *ConversionError on a mismatch or overflow (int into
// string, 300 into int8, a 2-D array into []float64, a tuple key into a
// map[string]any, ...); a dict decodes into a map, a struct, or, keeping its order, a
// slice of pairs ([]DictItem, Dict, [][2]any, [][2]string, ...). [Equal] compares
// values as Python does, sets and dicts in any order.
//
// Large data without a copy: Put sends []byte and numeric slices of 1 MiB or more from
// their own memory when its context cannot end early, and [Borrow] lends a []byte,
// numeric slice or NDArray for any Put or call (see [Borrowed] for the rule the memory
// follows meanwhile).
//
// Cyclic Go values are refused (nesting is limited to 256 levels).
//
// # Linking
//
// The package links libray_client statically from inside the module
// (lib/<os>-<arch>/libray_client.a and lib/include/ray_client.h, which build-lib copies
// from the Rust build in this repository): programs need no cgo settings, carry the
// library and no rpath. With -tags ray_client_pkgconfig an installed library is linked
// instead (ray_client.pc on PKG_CONFIG_PATH); see README.md.
package ray
