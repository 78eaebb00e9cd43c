// ray_client/client_actors.hpp: the actor methods of ray_client::Client (declared in
// ray_client/client.hpp): creating actors from a class by module and qualified name or
// from Python source, calling their methods, named actors, kill. Apache-2.0.
//
// Ownership: creation and get_actor return new Actor handles, method calls new
// ObjectRefs, at once (submission does not wait for the server). Dropping an Actor does
// not kill the actor; kill_actor does.
// Thread-safety: as for Client; an actor runs its method calls in submission order (or,
// with Options::max_concurrency, that many at once).
#ifndef RAY_CLIENT_CLIENT_ACTORS_HPP
#define RAY_CLIENT_CLIENT_ACTORS_HPP

#include <ray_client/client.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ray_client {

inline Actor Client::create_actor(const std::string &module, const std::string &qualname, const Args &args,
                                  const Kwargs &kwargs, const Options &options) const {
  return detail::submit_one<Actor>(ray_client_actor_create, raw_, module.c_str(), qualname, args, kwargs, options);
}

inline Actor Client::create_actor_from_source(const std::string &source, const std::string &name,
                                              const Args &args, const Kwargs &kwargs,
                                              const Options &options) const {
  return detail::submit_one<Actor>(ray_client_actor_create_source, raw_, source.c_str(), name, args, kwargs,
                                   options);
}

inline ObjectRef Client::call_method(const Actor &actor, const std::string &method, const Args &args,
                                     const Kwargs &kwargs, const Options &options) const {
  return detail::submit_one<ObjectRef>(ray_client_actor_call, raw_, actor.raw(), method, args, kwargs, options);
}

inline std::vector<ObjectRef> Client::call_method_n(const Actor &actor, const std::string &method,
                                                    const Args &args, const Kwargs &kwargs,
                                                    const Options &options) const {
  return detail::submit_n(ray_client_actor_call_n, raw_, actor.raw(), method, args, kwargs, options);
}

inline Actor Client::get_actor(const std::string &name, const std::optional<std::string> &ns) const {
  ray_client_actor *out = nullptr;
  detail::check(ray_client_actor_get(raw_, name.c_str(), detail::c_str_or_null(ns), &out));
  return Actor(out);
}

inline void Client::kill_actor(const Actor &actor, bool no_restart) const {
  detail::check(ray_client_actor_kill(raw_, actor.raw(), no_restart ? 1 : 0));
}

inline std::string Client::list_named_actors(bool all_namespaces) const {
  return detail::string_call(
      [&](char **out) { return ray_client_actor_list_named(raw_, all_namespaces ? 1 : 0, out); });
}

}  // namespace ray_client

#endif  // RAY_CLIENT_CLIENT_ACTORS_HPP
