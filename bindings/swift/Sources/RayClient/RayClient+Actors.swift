// Actors: creating them from an ActorClass, calling their methods (both through `submit`,
// RemoteCall), finding named actors, killing them.
import CRayClient
import Foundation

/// A named actor, as listed by ``RayClient/namedActors(allNamespaces:)``.
public struct NamedActor: Sendable, Equatable, Hashable {
    public var name: String
    public var namespace: String
}

/// Actors: Python's `Class.remote(...)`, `actor.method.remote(...)`, `ray.get_actor`,
/// `ray.kill` and `ray.util.list_named_actors`.
extension RayClient {
    /// Creates an actor: `actorClass(*args, **kwargs)` on the cluster, with `options` put
    /// over the class's attached ones. Returns at once; a failure to create shows on the
    /// first method call.
    public func createActor(
        _ actorClass: ActorClass, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: Options = Options()
    ) throws -> ActorHandle {
        var actor: OpaquePointer?
        _ = try withExtendedLifetime(actorClass) {
            try submit(args, kwargs, options, returns: nil, results: 0) { a, o, _, _ in
                ray_client_actor_create(raw, actorClass.raw, a, o, &actor)
            }
        }
        return ActorHandle(adopting: actor!)
    }

    /// Calls `actor.method(*args, **kwargs)` and returns the ref of its result at once
    /// (`options` as for a task: `actor.method.options(...).remote(...)`).
    public func call(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: Options = Options()
    ) throws -> ObjectRef {
        try call(actor, method: method, args, kwargs: kwargs, options: options, returnsCount: nil)[0]
    }

    /// Calls an actor method with `returns` results (`num_returns`): one ref each.
    public func call(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: Options = Options(), returns: Int
    ) throws -> [ObjectRef] {
        try call(actor, method: method, args, kwargs: kwargs, options: options, returnsCount: returns)
    }

    private func call(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable],
        kwargs: KeyValuePairs<String, any RayEncodable>, options: Options, returnsCount: Int?
    ) throws -> [ObjectRef] {
        try withCString(method, "method name") { m in
            try withExtendedLifetime(actor) {
                try submitCall(args, kwargs, options, returns: returnsCount) { a, o, results, n in
                    ray_client_actor_call(raw, actor.raw, m, a, o, results, n)
                }
            }
        }
    }

    /// The named actor `name` in `namespace` (nil: this client's namespace);
    /// `RayError.invalidArgument` when there is none.
    public func actor(named name: String, namespace: String? = nil) throws -> ActorHandle {
        var out: OpaquePointer?
        try withCString(name, "actor name") { n in
            try withOptionalCString(namespace, "namespace") { ns in try check(ray_client_actor_get(raw, n, ns, &out)) }
        }
        return ActorHandle(adopting: out!)
    }

    /// Kills an actor (`ray.kill`); with `noRestart: false` it may restart if it has
    /// restarts left. Asynchronous on the cluster: the actor dies shortly after.
    public func kill(_ actor: ActorHandle, noRestart: Bool = true) throws {
        try check(ray_client_actor_kill(raw, actor.raw, noRestart ? 1 : 0))
    }

    /// Named actors of this client's namespace, or of every namespace.
    public func namedActors(allNamespaces: Bool = false) throws -> [NamedActor] {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_actor_list_named(raw, allNamespaces ? 1 : 0, &s))
        let json = takeString(s)
        guard let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw RayError.invalid("unexpected named actor list: \(json)")
        }
        return list.map {
            NamedActor(name: $0["name"] as? String ?? "", namespace: $0["namespace"] as? String ?? "")
        }
    }
}
