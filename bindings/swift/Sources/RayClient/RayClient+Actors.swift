// Actors: creating them (from a class by module name or from Python source), calling their
// methods, finding named actors, killing them.
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
    /// Creates an actor of the class `module.className(*args, **kwargs)`. Returns at once;
    /// a failure to create shows on the first method call.
    public func createActor(
        _ module: String, _ className: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ActorHandle {
        ActorHandle(
            adopting: try submit(ray_client_actor_create, (module, "module"), (className, "class name"), args, kwargs, options))
    }

    /// Creates an actor of the class `className` defined by Python `source`.
    public func createActor(
        source: String, className: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ActorHandle {
        ActorHandle(
            adopting: try submit(
                ray_client_actor_create_source, (source, "source"), (className, "class name"), args, kwargs, options))
    }

    /// Calls `actor.method(*args, **kwargs)` and returns the ref of its result at once.
    public func call(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ObjectRef {
        let r = try submit([(method, "method name")], args, kwargs, options) { c, out in
            ray_client_actor_call(raw, actor.raw, c.names[0], c.args, c.nargs, c.kwNames, c.kwValues, c.nkw, c.options, out)
        }
        return ObjectRef(adopting: r)
    }

    /// Calls an actor method with `returns` results.
    public func call(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions(),
        returns: Int
    ) throws -> [ObjectRef] {
        try submit([(method, "method name")], args, kwargs, options, returns: returns) { c, out, n in
            ray_client_actor_call_n(
                raw, actor.raw, c.names[0], c.args, c.nargs, c.kwNames, c.kwValues, c.nkw, c.options, out, n)
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
