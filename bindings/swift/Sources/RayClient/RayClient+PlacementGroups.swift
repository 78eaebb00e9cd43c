// Placement groups: reserving bundles of resources on the cluster's nodes, waiting until
// they are placed, describing and removing them. Tasks and actors use one through
// `Options.scheduling`.
import CRayClient
import Foundation

/// Placement groups: Python's `ray.util.placement_group` and its companions.
extension RayClient {
    /// Creates a placement group of `bundles` (e.g. `[["CPU": 1], ["CPU": 1]]`). Returns once
    /// the cluster accepted it; ``waitPlacementGroup(_:timeout:)`` waits until it is placed.
    public func createPlacementGroup(
        bundles: [[String: Double]], strategy: PlacementStrategy = .pack, name: String? = nil
    ) throws -> PlacementGroup {
        let data = try JSONSerialization.data(withJSONObject: bundles, options: [.sortedKeys])
        var out: OpaquePointer?
        try withCString(String(decoding: data, as: UTF8.self), "bundles") { b in
            try withOptionalCString(name, "name") { n in
                try check(ray_client_placement_group_create(raw, b, strategy.rawValue, n, &out))
            }
        }
        return PlacementGroup(adopting: out!)
    }

    /// Waits up to `timeout` until the group is placed; false when the time passed first.
    /// Blocks the calling thread.
    public func waitPlacementGroup(_ pg: PlacementGroup, timeout: Duration) throws -> Bool {
        var ready: Int32 = 0
        try check(ray_client_placement_group_wait(raw, pg.raw, UInt64(try milliseconds(timeout)), &ready))
        return ready != 0
    }

    /// Ray's description of the group (`placement_group_table(pg)`): state, bundles, ...
    public func placementGroupTable(_ pg: PlacementGroup) throws -> RayValue {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_placement_group_table(raw, pg.raw, &s))
        return try RayValue(json: takeString(s))
    }

    /// Removes the group; tasks and actors in it are killed.
    public func removePlacementGroup(_ pg: PlacementGroup) throws {
        try check(ray_client_placement_group_remove(raw, pg.raw))
    }
}
