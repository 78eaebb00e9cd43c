// ray_client/client_tasks.hpp: the task methods of ray_client::Client (declared in
// ray_client/client.hpp): remote functions by module and qualified name (call) or from
// Python source (call_source), with one return or several (the _n forms). Apache-2.0.
//
// Ownership: each call returns new ObjectRefs at once (submission does not wait for the
// server); the arguments are read before it returns.
// Thread-safety: as for Client: calls may be made from any number of threads at once.
#ifndef RAY_CLIENT_CLIENT_TASKS_HPP
#define RAY_CLIENT_CLIENT_TASKS_HPP

#include <ray_client/client.hpp>

#include <string>
#include <vector>

namespace ray_client {

inline ObjectRef Client::call(const std::string &module, const std::string &qualname, const Args &args,
                              const Kwargs &kwargs, const Options &options) const {
  return detail::submit_one<ObjectRef>(ray_client_call, raw_, module.c_str(), qualname, args, kwargs, options);
}

inline std::vector<ObjectRef> Client::call_n(const std::string &module, const std::string &qualname,
                                             const Args &args, const Kwargs &kwargs, const Options &options) const {
  return detail::submit_n(ray_client_call_n, raw_, module.c_str(), qualname, args, kwargs, options);
}

inline ObjectRef Client::call_source(const std::string &source, const std::string &name, const Args &args,
                                     const Kwargs &kwargs, const Options &options) const {
  return detail::submit_one<ObjectRef>(ray_client_call_source, raw_, source.c_str(), name, args, kwargs, options);
}

inline std::vector<ObjectRef> Client::call_source_n(const std::string &source, const std::string &name,
                                                    const Args &args, const Kwargs &kwargs,
                                                    const Options &options) const {
  return detail::submit_n(ray_client_call_source_n, raw_, source.c_str(), name, args, kwargs, options);
}

}  // namespace ray_client

#endif  // RAY_CLIENT_CLIENT_TASKS_HPP
