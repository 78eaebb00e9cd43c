// ray_client/client_cluster.hpp: the cluster methods of ray_client::Client (declared in
// ray_client/client.hpp): resources, nodes, the runtime context and the dashboard URL
// (as JSON text), and placement groups (create, wait, remove, table). Apache-2.0.
//
// Ownership: create_placement_group returns a new PlacementGroup handle; dropping it
// leaves the group on the cluster (remove_placement_group removes it).
// Thread-safety: as for Client.
#ifndef RAY_CLIENT_CLIENT_CLUSTER_HPP
#define RAY_CLIENT_CLIENT_CLUSTER_HPP

#include <ray_client/client.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ray_client {

inline std::string Client::cluster_resources() const {
  return detail::string_call([&](char **o) { return ray_client_cluster_resources(raw_, o); });
}
inline std::string Client::available_resources() const {
  return detail::string_call([&](char **o) { return ray_client_cluster_available_resources(raw_, o); });
}
inline std::string Client::nodes() const {
  return detail::string_call([&](char **o) { return ray_client_cluster_nodes(raw_, o); });
}
inline std::string Client::timeline() const {
  return detail::string_call([&](char **o) { return ray_client_cluster_timeline(raw_, o); });
}
inline std::string Client::runtime_context() const {
  return detail::string_call([&](char **o) { return ray_client_client_runtime_context(raw_, o); });
}
inline std::string Client::dashboard_url() const {
  return detail::string_call([&](char **o) { return ray_client_cluster_dashboard_url(raw_, o); });
}

inline PlacementGroup Client::create_placement_group(const std::string &bundles_json, PlacementStrategy strategy,
                                                     const std::optional<std::string> &name) const {
  ray_client_placement_group *pg = nullptr;
  detail::check(ray_client_placement_group_create(raw_, bundles_json.c_str(), static_cast<int>(strategy),
                                                  detail::c_str_or_null(name), &pg));
  return PlacementGroup(pg);
}

inline PlacementGroup Client::create_placement_group_with(const std::string &bundles_json,
                                                          PlacementStrategy strategy,
                                                          const std::string &options_json) const {
  ray_client_placement_group *pg = nullptr;
  detail::check(ray_client_placement_group_create_with(raw_, bundles_json.c_str(), static_cast<int>(strategy),
                                                       options_json.c_str(), &pg));
  return PlacementGroup(pg);
}

inline PlacementGroup Client::get_placement_group(const std::string &name) const {
  ray_client_placement_group *pg = nullptr;
  detail::check(ray_client_placement_group_get(raw_, name.c_str(), &pg));
  return PlacementGroup(pg);
}

inline std::string Client::placement_group_table_all() const {
  return detail::string_call([&](char **o) { return ray_client_placement_group_table_all(raw_, o); });
}

inline bool Client::wait_placement_group(const PlacementGroup &pg, std::chrono::milliseconds timeout) const {
  int ready = 0;
  detail::check(ray_client_placement_group_wait(raw_, pg.raw(), static_cast<uint64_t>(timeout.count()), &ready));
  return ready != 0;
}

inline void Client::remove_placement_group(const PlacementGroup &pg) const {
  detail::check(ray_client_placement_group_remove(raw_, pg.raw()));
}

inline std::string Client::placement_group_table(const PlacementGroup &pg) const {
  return detail::string_call([&](char **o) { return ray_client_placement_group_table(raw_, pg.raw(), o); });
}

}  // namespace ray_client

#endif  // RAY_CLIENT_CLIENT_CLUSTER_HPP
