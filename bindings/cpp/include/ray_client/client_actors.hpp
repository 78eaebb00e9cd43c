// ray_client/client_actors.hpp: the actor methods of ray_client::Client (declared in
// ray_client/client.hpp): creating actors from an ActorClass (or a class by module and
// name, as a one-off), calling their methods (call_method for one return, call_method_n
// for any number, through the results array of ray_client/client_tasks.hpp), named
// actors, kill. Apache-2.0.
//
// Ownership: creation and get_actor return new ActorHandles, method calls new
// ObjectRefs, at once (submission does not wait for the server). Dropping an ActorHandle
// does not kill the actor; kill_actor does.
// Thread-safety: as for Client; an actor runs its method calls in submission order (or,
// with Options::max_concurrency, that many at once).
#ifndef RAY_CLIENT_CLIENT_ACTORS_HPP
#define RAY_CLIENT_CLIENT_ACTORS_HPP

#include <ray_client/client.hpp>
#include <ray_client/client_tasks.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ray_client {

inline ActorHandle Client::create_actor(const ActorClass &cls, const Args &args, const Options &options) const {
  ray_client_actor *out = nullptr;
  detail::check(ray_client_actor_create(raw_, cls.raw(), detail::args_raw(args), options.raw(), &out));
  return ActorHandle(out);
}

inline ActorHandle Client::create_actor(const std::string &module, const std::string &qualname, const Args &args,
                                        const Options &options) const {
  return create_actor(ActorClass(module, qualname), args, options);
}

inline std::vector<ObjectRef> Client::call_method_n(const ActorHandle &actor, const std::string &method,
                                                    size_t num_returns, const Args &args,
                                                    const Options &options) const {
  const ray_client_args *a = detail::args_raw(args);
  return results_of(num_returns, [&](ray_client_object_ref **results, size_t n) {
    return ray_client_actor_call(raw_, actor.raw(), method.c_str(), a, options.raw(), results, n);
  });
}

inline ObjectRef Client::call_method(const ActorHandle &actor, const std::string &method, const Args &args,
                                     const Options &options) const {
  return std::move(call_method_n(actor, method, 1, args, options).front());
}

inline ActorHandle Client::get_actor(const std::string &name, const std::optional<std::string> &ns) const {
  ray_client_actor *out = nullptr;
  detail::check(ray_client_actor_get(raw_, name.c_str(), detail::c_str_or_null(ns), &out));
  return ActorHandle(out);
}

inline void Client::kill_actor(const ActorHandle &actor, bool no_restart) const {
  detail::check(ray_client_actor_kill(raw_, actor.raw(), no_restart ? 1 : 0));
}

inline std::string Client::list_named_actors(bool all_namespaces) const {
  return detail::string_call(
      [&](char **out) { return ray_client_actor_list_named(raw_, all_namespaces ? 1 : 0, out); });
}

}  // namespace ray_client

#endif  // RAY_CLIENT_CLIENT_ACTORS_HPP
