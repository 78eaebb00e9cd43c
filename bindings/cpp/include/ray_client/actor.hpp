// ray_client/actor.hpp: ray_client::ActorHandle, a handle to an actor (an instance of a
// Python class living on the cluster). Actor classes are ray_client/actor_class.hpp;
// creating actors and calling their methods are Client methods
// (ray_client/client_actors.hpp). Apache-2.0.
//
// Ownership: an ActorHandle owns one handle and frees it in its destructor; that does not
// kill the actor (Client::kill_actor does; the cluster ends a non-detached actor when its
// client disconnects). Move-only; clone() makes a new handle. A moved-from ActorHandle
// holds none and throws Error (null_argument) when used.
// Thread-safety: the handle is thread-safe; one ActorHandle object may be read from many
// threads, but not assigned or moved while others use it.
#ifndef RAY_CLIENT_ACTOR_HPP
#define RAY_CLIENT_ACTOR_HPP

#include <ray_client/detail.hpp>

#include <string>

namespace ray_client {

/// A handle to an actor. Move-only; clone() makes a new handle.
class ActorHandle : public detail::Handle<ray_client_actor, ray_client_actor_free> {
 public:
  using Handle::Handle;

  ActorHandle clone() const {
    ray_client_actor *out = nullptr;
    detail::check(ray_client_actor_clone(raw_, &out));
    return ActorHandle(out);
  }

  /// The actor id in hex.
  std::string id_hex() const {
    return detail::string_call([&](char **out) { return ray_client_actor_id_hex(raw_, out); });
  }
};

}  // namespace ray_client

#endif  // RAY_CLIENT_ACTOR_HPP
