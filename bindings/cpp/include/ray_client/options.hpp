// ray_client/options.hpp: ray_client::Options, the options of a task, actor or actor
// method call (Python's `.options(...)`), and Args / Kwargs, a call's arguments.
// Apache-2.0.
//
// Ownership: an Options owns one builder handle and frees it in its destructor; calls
// read it when made, so one Options may serve many calls. Move-only; a moved-from
// Options holds none (Options::none() is the deliberate "no options").
// Thread-safety: the builder is locked, so setters may run on any thread, but setting
// while another thread makes a call with the same Options races (which value the call
// sees is open). Do not assign or move an Options object while others use it.
#ifndef RAY_CLIENT_OPTIONS_HPP
#define RAY_CLIENT_OPTIONS_HPP

#include <ray_client/detail.hpp>
#include <ray_client/object_ref.hpp>
#include <ray_client/placement_group.hpp>
#include <ray_client/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ray_client {

/// Positional arguments of a call.
using Args = std::vector<Value>;
/// Keyword arguments of a call, in order.
using Kwargs = std::vector<std::pair<std::string, Value>>;

/// Options of a task, actor or actor method call (Python's `.options(...)`). Setters
/// chain: `Options().num_cpus(1).name("x")`. A value Ray refuses (max_retries < -1,
/// max_concurrency < 0, num_cpus < 0, ...) throws Error (invalid_argument, Ray's rule in
/// the message) from its setter.
class Options : public detail::Handle<ray_client_options, ray_client_options_free> {
 public:
  Options() {
    detail::check(ray_client_options_new(&raw_));
  }
  /// No options (NULL in the C calls).
  static Options none() { return Options(static_cast<ray_client_options *>(nullptr)); }
  explicit Options(ray_client_options *raw) noexcept : Handle(raw) {}
  Options(Options &&) noexcept = default;
  Options &operator=(Options &&) noexcept = default;

  Options &num_cpus(double n) { return set(ray_client_options_set_num_cpus(raw_, n)); }
  Options &num_gpus(double n) { return set(ray_client_options_set_num_gpus(raw_, n)); }
  Options &memory(uint64_t bytes) { return set(ray_client_options_set_memory(raw_, bytes)); }
  Options &resource(const std::string &name, double amount) {
    return set(ray_client_options_set_resource(raw_, name.c_str(), amount));
  }
  Options &max_retries(int64_t n) { return set(ray_client_options_set_max_retries(raw_, n)); }
  Options &retry_exceptions(bool r) { return set(ray_client_options_set_retry_exceptions(raw_, r ? 1 : 0)); }
  Options &num_returns(size_t n) { return set(ray_client_options_set_num_returns(raw_, n)); }
  Options &name(const std::string &n) { return set(ray_client_options_set_name(raw_, n.c_str())); }
  Options &namespace_(const std::string &ns) {
    return set(ray_client_options_set_namespace(raw_, ns.c_str()));
  }
  Options &detached() { return set(ray_client_options_set_detached(raw_)); }
  Options &max_restarts(int64_t n) { return set(ray_client_options_set_max_restarts(raw_, n)); }
  Options &max_task_retries(int64_t n) { return set(ray_client_options_set_max_task_retries(raw_, n)); }
  Options &max_concurrency(int64_t n) { return set(ray_client_options_set_max_concurrency(raw_, n)); }
  Options &get_if_exists(bool yes) { return set(ray_client_options_set_get_if_exists(raw_, yes ? 1 : 0)); }
  Options &runtime_env_json(const std::string &json) {
    return set(ray_client_options_set_runtime_env_json(raw_, json.c_str()));
  }
  Options &scheduling_spread() { return set(ray_client_options_set_scheduling_spread(raw_)); }
  Options &scheduling_default() { return set(ray_client_options_set_scheduling_default(raw_)); }
  Options &scheduling_node_affinity(const std::string &node_id, bool soft) {
    return set(ray_client_options_set_scheduling_node_affinity(raw_, node_id.c_str(), soft ? 1 : 0));
  }
  Options &scheduling_placement_group(const PlacementGroup &pg, int64_t bundle_index = -1,
                                      bool capture_child_tasks = false) {
    return set(ray_client_options_set_scheduling_placement_group(raw_, pg.raw(), bundle_index,
                                                                 capture_child_tasks ? 1 : 0));
  }
  /// Any other keyword as JSON text, e.g. `set_json("max_calls", "3")`.
  Options &set_json(const std::string &key, const std::string &json) {
    return set(ray_client_options_set_json(raw_, key.c_str(), json.c_str()));
  }
  Options &set_value(const std::string &key, const Value &v) {
    return set(ray_client_options_set_value(raw_, key.c_str(), v.raw()));
  }

 private:
  Options &set(int rc) {
    detail::check(rc);
    return *this;
  }
};

namespace detail {

/// A call's Args and Kwargs flattened into the arrays the C calls take.
struct CallArgs {
  std::vector<const ray_client_value *> a, kv;
  std::vector<const char *> kn;
  CallArgs(const Args &args, const Kwargs &kwargs) {
    for (const auto &v : args) a.push_back(v.raw());
    for (const auto &p : kwargs) {
      kn.push_back(p.first.c_str());
      kv.push_back(p.second.raw());
    }
  }
  const ray_client_value *const *args() const { return a.data(); }
  size_t nargs() const { return a.size(); }
  const char *const *names() const { return kn.data(); }
  const ray_client_value *const *values() const { return kv.data(); }
  size_t nkw() const { return kn.size(); }
};

/// Runs `fn(client, what, name, args..., kwargs..., options, out...)`, the shape of every
/// C call that submits work: ray_client_call and _call_source (what: the module or the
/// source), ray_client_actor_create and _create_source, ray_client_actor_call (what: the
/// actor), and their _n forms.
template <class Fn, class What, class... Out>
void submit(Fn fn, const ray_client_client *client, What what, const std::string &name, const Args &args,
            const Kwargs &kwargs, const Options &options, Out... out) {
  CallArgs a(args, kwargs);
  check(fn(client, what, name.c_str(), a.args(), a.nargs(), a.names(), a.values(), a.nkw(), options.raw(),
           out...));
}

/// submit() for the calls that hand over one handle, returned as a W (ObjectRef, Actor).
template <class W, class Fn, class What>
W submit_one(Fn fn, const ray_client_client *client, What what, const std::string &name, const Args &args,
             const Kwargs &kwargs, const Options &options) {
  std::remove_pointer_t<decltype(std::declval<const W &>().raw())> *out = nullptr;
  submit(fn, client, what, name, args, kwargs, options, &out);
  return W(out);
}

/// submit() for the _n calls (several returns), which hand over an array of refs.
template <class Fn, class What>
std::vector<ObjectRef> submit_n(Fn fn, const ray_client_client *client, What what, const std::string &name,
                                const Args &args, const Kwargs &kwargs, const Options &options) {
  ray_client_object_ref **rs = nullptr;
  size_t n = 0;
  submit(fn, client, what, name, args, kwargs, options, &rs, &n);
  return take_refs(rs, n);
}

}  // namespace detail
}  // namespace ray_client

#endif  // RAY_CLIENT_OPTIONS_HPP
