// ray_client/client_tasks.hpp: the task methods of ray_client::Client (declared in
// ray_client/client.hpp): calling a RemoteFunction (call for one return, call_n for any
// number), call by module and name as a one-off, and Client::results_of, the caller-sized
// results array that function and method calls (ray_client/client_actors.hpp) alike fill.
// Apache-2.0.
//
// Ownership: each call returns new ObjectRefs at once (submission does not wait for the
// server); the arguments and options are read before it returns.
// Thread-safety: as for Client: calls may be made from any number of threads at once.
#ifndef RAY_CLIENT_CLIENT_TASKS_HPP
#define RAY_CLIENT_CLIENT_TASKS_HPP

#include <ray_client/client.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ray_client {

template <class Submit>
std::vector<ObjectRef> Client::results_of(size_t num_returns, Submit &&submit) {
  std::vector<ray_client_object_ref *> raw(num_returns, nullptr);
  std::vector<ObjectRef> refs;
  refs.reserve(num_returns);  // before the call: wrapping the refs below cannot throw
  detail::check(submit(num_returns ? raw.data() : nullptr, num_returns));
  for (ray_client_object_ref *r : raw) refs.emplace_back(r);
  return refs;
}

inline std::vector<ObjectRef> Client::call_n(const RemoteFunction &f, size_t num_returns, const Args &args,
                                             const Options &options) const {
  const ray_client_args *a = detail::args_raw(args);
  return results_of(num_returns, [&](ray_client_object_ref **results, size_t n) {
    return ray_client_function_call(raw_, f.raw(), a, options.raw(), results, n);
  });
}

inline ObjectRef Client::call(const RemoteFunction &f, const Args &args, const Options &options) const {
  return std::move(call_n(f, 1, args, options).front());
}

inline ObjectRef Client::call(const std::string &module, const std::string &qualname, const Args &args,
                              const Options &options) const {
  return call(RemoteFunction(module, qualname), args, options);
}

}  // namespace ray_client

#endif  // RAY_CLIENT_CLIENT_TASKS_HPP
