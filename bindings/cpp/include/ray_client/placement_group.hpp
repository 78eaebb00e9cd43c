// ray_client/placement_group.hpp: ray_client::PlacementGroup and PlacementStrategy.
// Creating, waiting for and removing groups are Client methods
// (ray_client/client_cluster.hpp); tasks and actors are scheduled into a group with
// Options::scheduling_placement_group. Apache-2.0.
//
// Ownership: a PlacementGroup owns one handle and frees it in its destructor; that does
// not remove the group (Client::remove_placement_group does). Move-only; a moved-from
// PlacementGroup holds none and throws Error when used.
// Thread-safety: the handle is thread-safe; one PlacementGroup object may be read from
// many threads, but not assigned or moved while others use it.
#ifndef RAY_CLIENT_PLACEMENT_GROUP_HPP
#define RAY_CLIENT_PLACEMENT_GROUP_HPP

#include <ray_client/detail.hpp>

#include <string>

namespace ray_client {

/// Placement strategies (RAY_CLIENT_PLACEMENT_*).
enum class PlacementStrategy : int {
  Pack = RAY_CLIENT_PLACEMENT_PACK,
  Spread = RAY_CLIENT_PLACEMENT_SPREAD,
  StrictPack = RAY_CLIENT_PLACEMENT_STRICT_PACK,
  StrictSpread = RAY_CLIENT_PLACEMENT_STRICT_SPREAD,
};

/// A placement group handle (freeing it does not remove the group).
class PlacementGroup
    : public detail::Handle<ray_client_placement_group, ray_client_placement_group_free> {
 public:
  using Handle::Handle;

  /// The group's hex id.
  std::string id() const {
    const char *id = ray_client_placement_group_id(raw_);
    if (id == nullptr) throw Error::last(RAY_CLIENT_ERROR_INVALID_HANDLE);
    return id;
  }
};

}  // namespace ray_client

#endif  // RAY_CLIENT_PLACEMENT_GROUP_HPP
