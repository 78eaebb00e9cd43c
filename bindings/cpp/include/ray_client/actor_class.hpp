// ray_client/actor_class.hpp: ray_client::ActorClass, a Python class on the cluster (by
// module and qualified name, or defined by Python source) with the options its actors are
// created with. Creating an actor is Client::create_actor (ray_client/client_actors.hpp),
// which gives an ActorHandle (ray_client/actor.hpp). Apache-2.0.
//
//   ActorClass counter("rc_test_tasks", "Counter");
//   ActorHandle a = c.create_actor(counter.with_options(Options().name("counter")), {5});
//   ActorClass acc = ActorClass::from_source("class Acc:\n    ...", "Acc");
//
// Nothing is sent when one is made: a missing module or class shows on the first method
// call of an actor created from it.
// Ownership: an ActorClass owns one handle and frees it in its destructor; made once, any
// number of actors may be created from it, on any client. Move-only (with_options() makes
// a new one); a moved-from ActorClass holds none and create_actor throws Error
// (null_argument) for it.
// Thread-safety: immutable, so any number of threads may create actors from one
// ActorClass at once; do not assign or move the object while others use it.
#ifndef RAY_CLIENT_ACTOR_CLASS_HPP
#define RAY_CLIENT_ACTOR_CLASS_HPP

#include <ray_client/function.hpp>

namespace ray_client {

/// A Python class on the cluster, with the options its actors are created with
/// (`name`, `namespace_`, `detached`, `max_restarts`, resources, ...). Move-only.
/// ActorClass(module, qualname), ActorClass::from_source(source, name) and
/// with_options(options) are as for RemoteFunction (ray_client/function.hpp).
class ActorClass
    : public detail::Definition<ActorClass, ray_client_actor_class, ray_client_actor_class_free,
                                ray_client_actor_class_new, ray_client_actor_class_from_source,
                                ray_client_actor_class_with_options> {
 public:
  using Definition::Definition;
};

}  // namespace ray_client

#endif  // RAY_CLIENT_ACTOR_CLASS_HPP
