// Placement groups: reserving bundles of resources on the cluster's nodes, waiting until
// they are placed, describing and removing them. Tasks and actors use one through
// `Options.scheduling`.
import CRayClient
import Foundation

/// Placement groups: Python's `ray.util.placement_group` and its companions.
extension RayClient {
    /// Creates a placement group of `bundles` (e.g. `[["CPU": 1], ["CPU": 1]]`). Returns once
    /// the cluster accepted it; ``waitPlacementGroup(_:timeout:)`` waits until it is placed.
    ///
    /// Python's other `placement_group()` keywords: `detached` (`lifetime="detached"`: the
    /// group outlives this client's job until removed), `softTargetNodeID` (a node's hex
    /// id, with `.strictPack`; Ray 2.10 and later), `bundleLabelSelector` (per bundle,
    /// node labels; Ray 2.50 and later). An option the cluster's release lacks throws
    /// `RayError` with code `RAY_CLIENT_ERROR_VERSION_MISMATCH`.
    public func createPlacementGroup(
        bundles: [[String: Double]], strategy: PlacementStrategy = .pack, name: String? = nil,
        detached: Bool = false, softTargetNodeID: String? = nil, bundleLabelSelector: [[String: String]]? = nil
    ) throws -> PlacementGroup {
        let data = try JSONSerialization.data(withJSONObject: bundles, options: [.sortedKeys])
        var options: [String: Any] = [:]
        if let name { options["name"] = name }
        if detached { options["lifetime"] = "detached" }
        if let softTargetNodeID { options["_soft_target_node_id"] = softTargetNodeID }
        if let bundleLabelSelector { options["bundle_label_selector"] = bundleLabelSelector }
        let optionsJSON = try JSONSerialization.data(withJSONObject: options, options: [.sortedKeys])
        var out: OpaquePointer?
        try withCString(String(decoding: data, as: UTF8.self), "bundles") { b in
            try withCString(String(decoding: optionsJSON, as: UTF8.self), "options") { o in
                try check(ray_client_placement_group_create_with(raw, b, strategy.rawValue, o, &out))
            }
        }
        return PlacementGroup(adopting: out!)
    }

    /// The placement group named `name` in this client's namespace
    /// (`ray.util.get_placement_group`); `RayError.invalidArgument` when there is none.
    public func placementGroup(named name: String) throws -> PlacementGroup {
        var out: OpaquePointer?
        try withCString(name, "name") { try check(ray_client_placement_group_get(raw, $0, &out)) }
        return PlacementGroup(adopting: out!)
    }

    /// Ray's description of every placement group of the cluster
    /// (`placement_group_table()`), a dict by group id.
    public func placementGroupTable() throws -> RayValue {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_placement_group_table_all(raw, &s))
        return try RayValue(json: takeString(s))
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
