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
// # Contexts, errors
//
// Every call that may wait on the cluster takes a context.Context: its deadline
// becomes the call's timeout and its cancellation ends the wait (a call the C library
// cannot interrupt then finishes in the background and its result is released).
// Errors are values of the types [TaskError] (remote type, cause type, traceback),
// [TimeoutError] (also matching context.DeadlineExceeded), [ActorDiedError],
// [ConnectionLostError], [ConversionError] and [Error], for errors.As, and match the
// sentinels [ErrTaskFailed], [ErrTimeout], [ErrActorDied], [ErrConnectionLost],
// [ErrClosed], [ErrNilHandle], [ErrConversion], ... for errors.Is. Methods on nil or
// closed handles and unconvertible values return errors; they never panic.
//
// # Goroutine safety and ownership
//
// A [Client] and everything it hands out ([ObjectRef], [Actor], [PlacementGroup]) may
// be used by any number of goroutines at once. Each has a Close method that releases
// its handle in the C library at once; a handle that becomes unreachable without Close
// is released by a cleanup (runtime.AddCleanup) after garbage collection, as a safety
// net. Closing a Client disconnects it.
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
//	struct                                    dict of str keys (rule below)
//	*ObjectRef, *Actor                        object ref, actor handle (same client)
//	Opaque                                    the Python object it describes
//
// Structs: each exported field is a dict entry named by its `ray:"name"` tag, or else
// by its Go name; `ray:"-"` skips a field and `ray:"name,omitempty"` omits a zero
// value; fields of embedded structs without a tag are promoted. Decoding into a struct
// matches dict keys to those names exactly, then ignoring case; other keys are ignored.
//
// Decoding into an any (Client.Get) gives: None → nil, bool, int → int64 (or *big.Int
// when it does not fit), float → float64, str → string, bytes and bytearray → []byte,
// list, tuple, set and frozenset → []any, dict → map[string]any when all keys are str
// (else map[any]any), a 1-D numpy array → the typed slice ([]float64, ...), other
// arrays → NDArray, refs and actors → *ObjectRef and *Actor (owned by the caller: Close
// them), anything else → Opaque. Decoding into a typed destination (GetInto, GetAs)
// converts from that form and fails with a *ConversionError on a mismatch or overflow
// (int into string, 300 into int8, a 2-D array into []float64, ...).
//
// Cyclic Go values are refused (nesting is limited to 256 levels).
//
// # Linking
//
// Inside this repository the package links target/release/libray_client.so (cargo
// build --release) with an rpath. Elsewhere, build with -tags ray_client_pkgconfig and
// an installed library (ray_client.pc on PKG_CONFIG_PATH); see README.md.
package ray
