// ray_client/options.hpp: ray_client::Options, the options of a task, actor or actor
// method call (Python's `.options(...)`): attached to a RemoteFunction or ActorClass
// with with_options(), or given to one call, where they are set over the attached ones
// key by key. Apache-2.0.
//
// Ownership: an Options owns one builder handle and frees it in its destructor; calls
// and with_options() read (copy) it when made, so one Options may serve many calls.
// Move-only; a moved-from Options holds none, which the C calls read as "no options"
// (Options::none() is that, on purpose).
// Thread-safety: the builder is locked, so setters may run on any thread, but setting
// while another thread makes a call with the same Options races (which value the call
// sees is open). Do not assign or move an Options object while others use it.
#ifndef RAY_CLIENT_OPTIONS_HPP
#define RAY_CLIENT_OPTIONS_HPP

#include <ray_client/detail.hpp>
#include <ray_client/placement_group.hpp>
#include <ray_client/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace ray_client {

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
  /// How many refs a call returns (default 1; 0 allowed, as in Ray). For n != 1 use
  /// Client::call_n / call_method_n with exactly n.
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
  Options &set(ray_client_status rc) {
    detail::check(rc);
    return *this;
  }
};

}  // namespace ray_client

#endif  // RAY_CLIENT_OPTIONS_HPP
