// RemoteFunction: a Python function on the cluster (Python's `@ray.remote` function), by
// module and qualified name or from Python source, with the options its calls use. Calls
// go through RayClient+Tasks.
import CRayClient

/// A Python function on the cluster, called with
/// ``RayClient/call(_:_:kwargs:options:)``: named by module and qualified name (importable
/// on the cluster, e.g. from the job's `working_dir`) or defined by Python source (sent by
/// value), with the options its calls use.
///
/// ```swift
/// let add = try RemoteFunction(module: "my_module", qualname: "add")
/// let sq = try RemoteFunction(source: "def sq(x):\n    return x * x\n", name: "sq")
/// var o = Options()
/// o.numCPUs = 2
/// let heavy = try add.withOptions(o)          // Python's add.options(num_cpus=2)
/// let r = try client.call(heavy, [1, 2])
/// ```
///
/// Nothing is sent until it is called. Made once, it may be called any number of times,
/// from any client. Immutable and `Sendable`: any number of tasks may call one at once.
public final class RemoteFunction: @unchecked Sendable, CustomStringConvertible {
    let raw: OpaquePointer
    /// The options attached with ``withOptions(_:)`` (none for a new function). A call's
    /// own options are put over them.
    public let options: Options
    /// `module.qualname`, or the name defined by the source.
    private let fullName: String

    private init(adopting raw: OpaquePointer, options: Options, fullName: String) {
        self.raw = raw
        self.options = options
        self.fullName = fullName
    }

    /// The function `qualname` (dotted for nested names) of `module`, which must be
    /// importable on the cluster. An empty name (or one with a NUL) is
    /// `RayError.invalidArgument`; a name the cluster does not know fails the first call.
    public convenience init(module: String, qualname: String) throws {
        let raw = try makeDefinition((module, "module"), (qualname, "qualname"), ray_client_function_new)
        self.init(adopting: raw, options: Options(), fullName: "\(module).\(qualname)")
    }

    /// The function `name` defined by Python `source` (a `def`, with the imports it needs
    /// inside); the cluster receives it by value. Source that does not compile fails the
    /// first call.
    public convenience init(source: String, name: String) throws {
        let raw = try makeDefinition((source, "source"), (name, "name"), ray_client_function_from_source)
        self.init(adopting: raw, options: Options(), fullName: name)
    }

    deinit { ray_client_function_free(raw) }

    /// The same function with `options` attached (Python's `f.options(...)`), instead of
    /// those attached before; this one is unchanged. Options Ray refuses throw
    /// `RayError.invalidArgument` here.
    public func withOptions(_ options: Options) throws -> RemoteFunction {
        let raw = try attach(options) { o, out in ray_client_function_with_options(self.raw, o, out) }
        return RemoteFunction(adopting: raw, options: options, fullName: fullName)
    }

    public var description: String { "RemoteFunction(\(fullName))" }
}
