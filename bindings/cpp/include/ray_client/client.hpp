// ray_client/client.hpp: ray_client::Client, a connection to a Ray cluster, and what it
// reports about itself (ServerInfo, ClientInfo, WaitResult, Timeout). The class below is
// the whole API in one place: connecting and the connection's state are defined in it;
// the other members are declared here and defined, by concept, in
//   ray_client/client_objects.hpp  put, get, wait, cancel and their *_async forms
//   ray_client/client_tasks.hpp    call, call_n (remote functions), and the results
//                                  array every function and method call fills
//   ray_client/client_actors.hpp   create_actor, call_method(_n), get_actor, kill_actor, ...
//   ray_client/client_kv.hpp       the internal KV store
//   ray_client/client_cluster.hpp  cluster resources, nodes, placement groups
// (all included at the end of this header). Apache-2.0.
//
// Ownership: a Client owns one handle of the connection; clone() makes another, and the
// connection closes (the server ends the job) when the last handle goes, or at once with
// disconnect(). Move-only; a moved-from Client holds none and throws Error
// (null_argument) when used. The default client (init()) stays connected until
// shutdown(), whatever its handles do.
// Thread-safety: the connection is thread-safe; any number of threads may make calls on
// one Client (or on clones of it) at once. Do not assign or move a Client object while
// others use it. Futures of the *_async calls are completed on the library's I/O thread.
#ifndef RAY_CLIENT_CLIENT_HPP
#define RAY_CLIENT_CLIENT_HPP

#include <ray_client/actor.hpp>
#include <ray_client/actor_class.hpp>
#include <ray_client/args.hpp>
#include <ray_client/connect.hpp>
#include <ray_client/detail.hpp>
#include <ray_client/function.hpp>
#include <ray_client/object_ref.hpp>
#include <ray_client/options.hpp>
#include <ray_client/placement_group.hpp>
#include <ray_client/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ray_client {

class ItemStream;  // ray_client/item_stream.hpp

/// The library's version string ("MAJOR.MINOR.PATCH").
inline std::string version() { return ray_client_version(); }

/// Number of live handles of every type (for leak checks).
inline size_t live_handles() { return ray_client_live_handles(); }

/// What the server said about itself.
struct ServerInfo {
  std::string ray_version, ray_commit, python_version;
  int32_t num_clients = 0;
};
/// The connection's id, address and namespace.
struct ClientInfo {
  std::string client_id, address;
  std::optional<std::string> namespace_;
};
/// The outcome of a wait: ready[i] tells whether refs[i] is ready.
struct WaitResult {
  std::vector<bool> ready;
  size_t num_ready = 0;
};

/// Timeouts: std::nullopt waits without limit.
using Timeout = std::optional<std::chrono::milliseconds>;

/// A large put's or get's progress: (bytes done, bytes total).
using Progress = std::function<void(uint64_t done, uint64_t total)>;

/// A connection to a Ray cluster. Move-only; clone() gives another handle to the same
/// connection; the connection closes with its last handle.
class Client : public detail::Handle<ray_client_client, ray_client_client_free> {
 public:
  explicit Client(ray_client_client *raw, std::shared_ptr<void> keep = nullptr) noexcept
      : Handle(raw), keep_(std::move(keep)) {}
  Client(Client &&) noexcept = default;
  Client &operator=(Client &&o) noexcept {
    // Free the handle before the log callback it may use.
    Handle::operator=(std::move(o));
    keep_ = std::move(o.keep_);
    return *this;
  }
  ~Client() { reset(); }

  // ---- connecting and the connection ----
  /// Connects to `address` (empty: RAY_ADDRESS) with default options.
  static Client connect(const std::string &address) {
    ray_client_client *c = nullptr;
    detail::check(ray_client_connect_address(address.c_str(), &c));
    return Client(c);
  }
  static Client connect(const ConnectOptions &options) {
    ray_client_client *c = nullptr;
    detail::check(ray_client_connect(detail::connect_raw(options), &c));
    return Client(c, options.log_holder());
  }
  /// Connects the process's default client (ray.init) and returns a handle to it.
  static Client init(const ConnectOptions &options) {
    ray_client_client *c = nullptr;
    detail::check(ray_client_init(detail::connect_raw(options), &c));
    // The default connection outlives every handle (until shutdown): so does its callback.
    if (options.log_holder()) new std::shared_ptr<LogCallback>(options.log_holder());
    return Client(c, options.log_holder());
  }
  static Client default_client() {
    ray_client_client *c = nullptr;
    detail::check(ray_client_default_client(&c));
    return Client(c);
  }
  static bool is_initialized() { return ray_client_is_initialized() != 0; }
  static void shutdown() { detail::check(ray_client_shutdown()); }

  Client clone() const {
    ray_client_client *c = nullptr;
    detail::check(ray_client_client_clone(raw_, &c));
    return Client(c, keep_);
  }
  void disconnect() const { detail::check(ray_client_client_disconnect(raw_)); }
  bool is_connected() const {
    int c = 0;
    detail::check(ray_client_client_is_connected(raw_, &c));
    return c != 0;
  }
  /// Whether the connection is up, being re-established after a drop (calls wait for it,
  /// up to the reconnect grace period), or lost for good.
  enum class ConnectionState { Connected = RAY_CLIENT_STATE_CONNECTED, Reconnecting = RAY_CLIENT_STATE_RECONNECTING, Lost = RAY_CLIENT_STATE_LOST };
  ConnectionState connection_state() const {
    int s = 0;
    detail::check(ray_client_client_state(raw_, &s));
    return static_cast<ConnectionState>(s);
  }
  void ping() const { detail::check(ray_client_client_ping(raw_)); }
  bool server_is_initialized() const {
    int i = 0;
    detail::check(ray_client_client_server_is_initialized(raw_, &i));
    return i != 0;
  }
  ServerInfo server_info() const {
    const char *v = nullptr, *commit = nullptr, *py = nullptr;
    ServerInfo info;
    detail::check(ray_client_client_server_info(raw_, &v, &commit, &py, &info.num_clients));
    info.ray_version = v ? v : "";
    info.ray_commit = commit ? commit : "";
    info.python_version = py ? py : "";
    return info;
  }
  ClientInfo client_info() const {
    const char *id = nullptr, *addr = nullptr, *ns = nullptr;
    detail::check(ray_client_client_info(raw_, &id, &addr, &ns));
    ClientInfo info;
    info.client_id = id ? id : "";
    info.address = addr ? addr : "";
    if (ns) info.namespace_ = std::string(ns);
    return info;
  }

  // ---- objects (ray_client/client_objects.hpp) ----
  ObjectRef put(const Value &v) const;
  Value get(const ObjectRef &r, Timeout timeout = std::nullopt) const;
  /// put() and get() reporting a large transfer's progress to progress(done, total) in
  /// bytes (a get's total is 0 until known): from a library thread of its own, first with
  /// done 0, at most ten times a second, a last time (done == total) before they return.
  /// Exceptions progress throws are dropped.
  ObjectRef put(const Value &v, const Progress &progress) const;
  Value get(const ObjectRef &r, Timeout timeout, const Progress &progress) const;
  /// get(r).as<T>()
  template <class T>
  T get_as(const ObjectRef &r, Timeout timeout = std::nullopt) const {
    return get(r, timeout).as<T>();
  }
  std::vector<Value> get_many(const std::vector<ObjectRef> &refs, Timeout timeout = std::nullopt) const;
  WaitResult wait(const std::vector<ObjectRef> &refs, size_t num_returns,
                  Timeout timeout = std::nullopt) const;
  void cancel(const ObjectRef &r, bool force = false, bool recursive = true) const;

  // ---- async (ray_client/client_objects.hpp) ----
  std::future<Value> get_async(const ObjectRef &r, Timeout timeout = std::nullopt) const;
  std::future<std::vector<Value>> get_many_async(const std::vector<ObjectRef> &refs,
                                                 Timeout timeout = std::nullopt) const;
  std::future<WaitResult> wait_async(const std::vector<ObjectRef> &refs, size_t num_returns,
                                     Timeout timeout = std::nullopt) const;

  // ---- tasks (ray_client/client_tasks.hpp) ----
  // Every call is call_n underneath; call() is the common case of one return.
  /// `f(*args, **kwargs)` on the cluster, with `options` set over f's attached ones (key by
  /// key, as Python's `f.options(...)` per call), for a call of one return (num_returns
  /// 1, the default). Returns at once. A call of another num_returns throws Error
  /// (invalid_argument): use call_n.
  ObjectRef call(const RemoteFunction &f, const Args &args = {},
                 const Options &options = Options::none()) const;
  /// Like call() for a call of `num_returns` returns: one ref per return value.
  /// `num_returns` must be what the call returns (its num_returns option, per call or
  /// attached; 1 unless set), or it throws Error (invalid_argument) and nothing is sent.
  std::vector<ObjectRef> call_n(const RemoteFunction &f, size_t num_returns, const Args &args = {},
                                const Options &options = Options::none()) const;
  /// call(RemoteFunction(module, qualname), args, options), for a one-off call by name.
  ObjectRef call(const std::string &module, const std::string &qualname, const Args &args = {},
                 const Options &options = Options::none()) const;

  // ---- actors (ray_client/client_actors.hpp) ----
  /// An actor: `cls(*args, **kwargs)` on the cluster, with `options` set over the class's
  /// attached ones. Returns at once; a failure to create shows on the first method call.
  ActorHandle create_actor(const ActorClass &cls, const Args &args = {},
                           const Options &options = Options::none()) const;
  /// create_actor(ActorClass(module, qualname), args, options).
  ActorHandle create_actor(const std::string &module, const std::string &qualname, const Args &args = {},
                           const Options &options = Options::none()) const;
  /// `actor.method(*args, **kwargs)`, for a method call of one return (as call()).
  ObjectRef call_method(const ActorHandle &actor, const std::string &method, const Args &args = {},
                        const Options &options = Options::none()) const;
  /// Like call_method() for `num_returns` returns (as call_n()).
  std::vector<ObjectRef> call_method_n(const ActorHandle &actor, const std::string &method, size_t num_returns,
                                       const Args &args = {}, const Options &options = Options::none()) const;
  /// The named actor `name` in `ns` (nullopt: this client's namespace).
  ActorHandle get_actor(const std::string &name, const std::optional<std::string> &ns = std::nullopt) const;
  void kill_actor(const ActorHandle &actor, bool no_restart = true) const;
  /// JSON array of {"name", "namespace"}.
  std::string list_named_actors(bool all_namespaces = false) const;

  // ---- item streams (ray_client/item_stream.hpp) ----
  /// Calls the generator function `f(*args, **kwargs)` and returns its items as it yields
  /// them (Python's num_returns="streaming"). The option
  /// `_generator_backpressure_num_objects` (Options::set_json; 1024 unless set, 64 for a method) is the
  /// buffer b, which bounds what is held beyond what was read (batches of up to b items
  /// and 4 MiB, at most six ahead; see ray_client_function_call_streaming).
  ItemStream call_streaming(const RemoteFunction &f, const Args &args = {},
                            const Options &options = Options::none()) const;
  /// The generator method `actor.method(*args, **kwargs)`, as call_streaming().
  ItemStream call_method_streaming(const ActorHandle &actor, const std::string &method, const Args &args = {},
                                   const Options &options = Options::none()) const;

  // ---- KV store (ray_client/client_kv.hpp) ----
  std::optional<std::string> kv_get(std::string_view key,
                                    const std::optional<std::string> &ns = std::nullopt) const;
  /// Returns whether the key existed before.
  bool kv_put(std::string_view key, std::string_view value, bool overwrite = true,
              const std::optional<std::string> &ns = std::nullopt) const;
  /// Returns how many keys were deleted.
  size_t kv_del(std::string_view key, bool by_prefix = false,
                const std::optional<std::string> &ns = std::nullopt) const;
  bool kv_exists(std::string_view key, const std::optional<std::string> &ns = std::nullopt) const;
  std::vector<std::string> kv_list(std::string_view prefix,
                                   const std::optional<std::string> &ns = std::nullopt) const;

  // ---- cluster info, JSON text (ray_client/client_cluster.hpp) ----
  std::string cluster_resources() const;
  std::string available_resources() const;
  std::string nodes() const;
  /// ray.timeline(): a JSON array of Chrome tracing events.
  std::string timeline() const;
  std::string runtime_context() const;
  std::string dashboard_url() const;

  // ---- placement groups (ray_client/client_cluster.hpp) ----
  /// `bundles_json`: e.g. `[{"CPU": 1}, {"CPU": 1}]`.
  PlacementGroup create_placement_group(const std::string &bundles_json,
                                        PlacementStrategy strategy = PlacementStrategy::Pack,
                                        const std::optional<std::string> &name = std::nullopt) const;
  /// Whether the group was placed within `timeout`.
  /// create_placement_group with `options_json`, a JSON object of Python's other
  /// placement_group() keywords: name, lifetime ("detached"), _soft_target_node_id (with
  /// StrictPack; Ray 2.10+), bundle_label_selector (per bundle, node labels; Ray 2.50+).
  PlacementGroup create_placement_group_with(const std::string &bundles_json, PlacementStrategy strategy,
                                             const std::string &options_json) const;
  /// The placement group named `name` in this client's namespace (Error
  /// invalid_argument when there is none).
  PlacementGroup get_placement_group(const std::string &name) const;
  /// placement_group_table(): JSON, every group of the cluster by id.
  std::string placement_group_table_all() const;
  bool wait_placement_group(const PlacementGroup &pg, std::chrono::milliseconds timeout) const;
  void remove_placement_group(const PlacementGroup &pg) const;
  std::string placement_group_table(const PlacementGroup &pg) const;

 private:
  // The one place a call's results live (ray_client/client_tasks.hpp): runs
  // `submit(results, nresults)`, the C function or method call, with room for exactly
  // `num_returns` refs, and hands them over as ObjectRefs.
  template <class Submit>
  static std::vector<ObjectRef> results_of(size_t num_returns, Submit &&submit);

  std::shared_ptr<void> keep_;  // the log callback, alive as long as the connection may use it
};

}  // namespace ray_client

#include <ray_client/client_tasks.hpp>
#include <ray_client/client_actors.hpp>
#include <ray_client/item_stream.hpp>
#include <ray_client/client_cluster.hpp>
#include <ray_client/client_kv.hpp>
#include <ray_client/client_objects.hpp>

#endif  // RAY_CLIENT_CLIENT_HPP
