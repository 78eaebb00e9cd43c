// ray_client.hpp: a header-only C++17 RAII layer over the C ABI of libray_client
// (include/ray_client.h). Apache-2.0. Include this header; it includes the others, one
// per concept, under ray_client/:
//
//   error.hpp            Error, the exception every failing call throws
//   object_ref.hpp       ObjectRef, a reference to an object in the cluster
//   actor.hpp            ActorHandle, a handle to an actor
//   placement_group.hpp  PlacementGroup, PlacementStrategy
//   value.hpp            Value (Python's object model), Kind, DType, NdArray
//   convert.hpp          Convert<T>: C++ types to and from Value
//   borrowed.hpp         values over the caller's memory, without a copy
//   options.hpp          Options of a task, actor or method call
//   args.hpp             Args, the arguments of a call (positional and keyword); Kwargs
//   function.hpp         RemoteFunction, a Python function on the cluster (by name or
//                        from source, with options attached)
//   actor_class.hpp      ActorClass, a Python class on the cluster, the same way
//   connect.hpp          ConnectOptions, LogCallback
//   client.hpp           Client, a connection, with its methods defined by concept in
//                        client_objects.hpp, client_tasks.hpp, client_actors.hpp,
//                        client_kv.hpp and client_cluster.hpp
//   item_stream.hpp      ItemStream, a generator's items as it yields them
//                        (Client::call_streaming, call_method_streaming)
//   dashboard.hpp        Dashboard (Ray Jobs and the cluster's state over HTTP),
//                        DashboardOptions, with its methods defined by concept in
//                        jobs.hpp (JobSubmission, JobDetails, JobStatus, UploadProgress,
//                        LogTail) and state.hpp (ListOptions, StateList, the records)
//   json.hpp             the JSON reader the dashboard's replies are read with (not for
//                        direct use)
//   detail.hpp           the shared handle and ownership helpers (not for direct use)
//
// Conventions:
// - One way to call: make a RemoteFunction (or ActorClass) once, then
//   `client.call(f, args, options)` (one return) or `client.call_n(f, n, args, options)`
//   (n returns); actors: `client.create_actor(cls, args, options)`, then
//   `client.call_method(actor, "m", args, options)` / `call_method_n`. Options given to a
//   call are set over the ones attached with with_options(). `call(module, qualname, ...)`
//   and `create_actor(module, qualname, ...)` are one-off shorthands for the same.
// - Every failing C call throws ray_client::Error (a std::runtime_error) carrying the
//   status code (Error::code(), a ray_client_status), kind, message and, for failures on
//   the cluster, the remote exception type, the user's exception type, its message and
//   the traceback (ray_client/error.hpp).
// - Owning classes free their handle in the destructor. Client, ActorHandle, Options,
//   Args, RemoteFunction, ActorClass, ConnectOptions, PlacementGroup, Dashboard,
//   DashboardOptions, JobSubmission and LogTail are move-only
//   (Client and ActorHandle have clone()); Value and ObjectRef are copyable (copies are
//   new handles via the C clone function). A moved-from object holds no handle; using it
//   throws Error (null_argument), except a moved-from Options, which calls read as
//   Options::none().
// - The handles are thread-safe (values are immutable): one object may be used from many
//   threads, but not assigned or moved while others use it. A LogTail has one reader.
// - Async operations return std::future; the promise is completed from the library's
//   I/O thread (the callbacks never throw).
// - C++ values convert to Value implicitly (int, double, bool, std::string, bytes as
//   std::vector<uint8_t>, std::vector<T>, std::map<std::string, T>, nullptr, refs,
//   actors) and back with Value::as<T>().
#ifndef RAY_CLIENT_HPP
#define RAY_CLIENT_HPP

#include <ray_client.h>
#include <ray_client/detail.hpp>
#include <ray_client/error.hpp>
#include <ray_client/object_ref.hpp>
#include <ray_client/actor.hpp>
#include <ray_client/placement_group.hpp>
#include <ray_client/value.hpp>
#include <ray_client/convert.hpp>
#include <ray_client/borrowed.hpp>
#include <ray_client/options.hpp>
#include <ray_client/args.hpp>
#include <ray_client/function.hpp>
#include <ray_client/actor_class.hpp>
#include <ray_client/connect.hpp>
#include <ray_client/client.hpp>
#include <ray_client/dashboard.hpp>
#include <ray_client/diagnostics.hpp>

#endif  // RAY_CLIENT_HPP
