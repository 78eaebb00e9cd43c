// Handles to things in the cluster: ObjectRef (an object), ActorHandle (an actor) and
// PlacementGroup (with its PlacementStrategy). Each owns one C handle and frees it in deinit.
import CRayClient

/// A reference to an object in the cluster (a put value or a task's result), owned by the
/// client that made it. Get its value with ``RayClient/get(_:timeout:)``.
///
/// Ownership: the object stays in the cluster while any `ObjectRef` (or value holding
/// it) is alive; the server's reference is released when the last one goes. `Sendable`:
/// the C handle is thread-safe.
public final class ObjectRef: @unchecked Sendable, Equatable, CustomStringConvertible {
    let raw: OpaquePointer

    /// Takes ownership of a C handle.
    init(adopting raw: OpaquePointer) { self.raw = raw }

    /// A new handle to the same object.
    convenience init(cloning other: ObjectRef) throws {
        self.init(adopting: try cloneHandle(other.raw, ray_client_object_ref_clone))
    }

    deinit { ray_client_object_ref_free(raw) }

    /// The object id in hex (waits for it when the ref is a task's return still being
    /// scheduled).
    public func hex() throws -> String { try hexId(raw, ray_client_object_ref_hex) }
    /// The hex id of the task that made the object (Python's `ObjectRef.task_id()`).
    public func taskID() throws -> String { try hexId(raw, ray_client_object_ref_task_id) }

    /// Refs are equal when they name the same object (compares `hex()`, which may wait
    /// for a task's return to be scheduled).
    public static func == (a: ObjectRef, b: ObjectRef) -> Bool { sameId(a, b) { try $0.hex() } }

    public var description: String { "ObjectRef(\((try? hex()) ?? "?"))" }
}

/// A handle to an actor on the cluster, owned by one client. Call its methods with
/// ``RayClient/call(_:method:_:kwargs:options:)``.
///
/// Ownership: releasing the handle does not kill the actor (``RayClient/kill(_:noRestart:)``
/// does; the server also does when the client's job ends, unless the actor is detached).
/// `Sendable`: the C handle is thread-safe.
public final class ActorHandle: @unchecked Sendable, Equatable, CustomStringConvertible {
    let raw: OpaquePointer

    init(adopting raw: OpaquePointer) { self.raw = raw }

    convenience init(cloning other: ActorHandle) throws {
        self.init(adopting: try cloneHandle(other.raw, ray_client_actor_clone))
    }

    deinit { ray_client_actor_free(raw) }

    /// The actor id in hex (waits for it right after creation).
    public func id() throws -> String { try hexId(raw, ray_client_actor_id_hex) }

    /// Handles are equal when they name the same actor.
    public static func == (a: ActorHandle, b: ActorHandle) -> Bool { sameId(a, b) { try $0.id() } }

    public var description: String { "ActorHandle(\((try? id()) ?? "?"))" }
}

/// A placement group on the cluster. Releasing the handle leaves the group in place
/// (``RayClient/removePlacementGroup(_:)`` removes it). `Sendable`: thread-safe handle.
public final class PlacementGroup: @unchecked Sendable, CustomStringConvertible {
    let raw: OpaquePointer
    /// The group's hex id.
    public let id: String

    init(adopting raw: OpaquePointer) {
        self.raw = raw
        self.id = ray_client_placement_group_id(raw).map { String(cString: $0) } ?? ""
    }

    deinit { ray_client_placement_group_free(raw) }

    public var description: String { "PlacementGroup(\(id))" }
}

/// How a placement group's bundles go on nodes.
public enum PlacementStrategy: Int32, Sendable {
    /// On as few nodes as possible.
    case pack = 0
    /// Over nodes where possible.
    case spread = 1
    /// All on one node.
    case strictPack = 2
    /// Each on a different node.
    case strictSpread = 3
}
