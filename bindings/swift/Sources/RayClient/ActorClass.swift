// ActorClass: a Python class on the cluster to create actors from (Python's `@ray.remote`
// class), by module and qualified name or from Python source, with the options its actors
// get. Creation and method calls go through RayClient+Actors.
import CRayClient

/// A Python class on the cluster, whose actors ``RayClient/createActor(_:_:kwargs:options:)``
/// creates: named by module and qualified name (importable on the cluster) or defined by
/// Python source (sent by value), with the options its actors are created with (`name`,
/// `namespace`, `detached`, `maxRestarts`, resources, ...).
///
/// ```swift
/// var o = Options()
/// o.name = "counter"
/// let counterClass = try ActorClass(module: "my_module", qualname: "Counter").withOptions(o)
/// let counter = try client.createActor(counterClass, [0])
/// ```
///
/// Nothing is sent until an actor is created. Immutable and `Sendable`.
public final class ActorClass: @unchecked Sendable, CustomStringConvertible {
    let raw: OpaquePointer
    /// The options attached with ``withOptions(_:)`` (none for a new class). A creation's
    /// own options are put over them.
    public let options: Options
    /// `module.qualname`, or the name defined by the source.
    private let fullName: String

    private init(adopting raw: OpaquePointer, options: Options, fullName: String) {
        self.raw = raw
        self.options = options
        self.fullName = fullName
    }

    /// The class `qualname` of `module`, importable on the cluster. An empty name (or one
    /// with a NUL) is `RayError.invalidArgument`; a class the cluster does not know fails
    /// the first method call of an actor created from it.
    public convenience init(module: String, qualname: String) throws {
        let raw = try makeDefinition((module, "module"), (qualname, "qualname"), ray_client_actor_class_new)
        self.init(adopting: raw, options: Options(), fullName: "\(module).\(qualname)")
    }

    /// The class `name` defined by Python `source` (with the imports it needs inside),
    /// sent by value.
    public convenience init(source: String, name: String) throws {
        let raw = try makeDefinition((source, "source"), (name, "name"), ray_client_actor_class_from_source)
        self.init(adopting: raw, options: Options(), fullName: name)
    }

    deinit { ray_client_actor_class_free(raw) }

    /// The same class with actor `options` attached, instead of those attached before;
    /// this one is unchanged. Options Ray refuses throw `RayError.invalidArgument` here.
    public func withOptions(_ options: Options) throws -> ActorClass {
        let raw = try attach(options) { o, out in ray_client_actor_class_with_options(self.raw, o, out) }
        return ActorClass(adopting: raw, options: options, fullName: fullName)
    }

    public var description: String { "ActorClass(\(fullName))" }
}
