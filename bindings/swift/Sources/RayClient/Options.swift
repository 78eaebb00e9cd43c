// Options: the options of a task, an actor or an actor method call (Python's
// `.options(...)`), and the C options made from them for one call or attachment.
import CRayClient
import Foundation

/// Options of a task, an actor or an actor method call (Python's `.options(...)`). A
/// value type: set what you need, leave the rest nil.
///
/// They go two ways, as in Python: attached to a ``RemoteFunction`` or an ``ActorClass``
/// (``RemoteFunction/withOptions(_:)``, like `f.options(...)` kept in a variable), and
/// given to one call (`options:`), where each option set is put over the attached one of
/// the same name and the others stay.
///
/// Being a plain struct, it is checked when a call uses it: a value Ray refuses
/// (`maxRetries` < -1, `maxConcurrency` < 0, `maxRestarts` / `maxTaskRetries` < -1,
/// `numCPUs` < 0, ...) fails that call with `RayError.invalidArgument`, Ray's rule in the
/// message, before anything is sent to the cluster. ``validate()`` tells earlier.
///
/// `num_returns` is not among them: the call forms with `returns:` set it (see
/// ``RayClient/call(_:_:kwargs:options:returns:)``), so the number of refs a call gives back
/// is always the number asked for; `setting("num_returns", n)` also attaches it, and then a
/// call must ask for that many.
///
/// ```swift
/// var o = Options()
/// o.numCPUs = 1
/// o.resources = ["rc_node2": 1]
/// o.runtimeEnvJSON = #"{"env_vars": {"MODE": "fast"}}"#
/// ```
public struct Options: Sendable {
    /// Where a task or actor is scheduled.
    public enum Scheduling: Sendable {
        /// Ray's default strategy.
        case `default`
        /// Spread over nodes.
        case spread
        /// On the node with hex id `nodeID`; with `soft`, elsewhere when it cannot.
        case nodeAffinity(nodeID: String, soft: Bool)
        /// In a placement group (`bundleIndex` nil: any bundle).
        case placementGroup(PlacementGroup, bundleIndex: Int? = nil, captureChildTasks: Bool = false)
    }

    public var numCPUs: Double?
    public var numGPUs: Double?
    /// Memory in bytes.
    public var memory: UInt64?
    /// Custom resources, e.g. `["gadget": 1]`.
    public var resources: [String: Double] = [:]
    /// Task retries on worker failure (-1: forever).
    public var maxRetries: Int?
    /// Retry on application exceptions too.
    public var retryExceptions: Bool?
    /// Name of the task or actor.
    public var name: String?
    /// Namespace of a named actor.
    public var namespace: String?
    /// The actor outlives this client (`lifetime="detached"`).
    public var detached: Bool = false
    public var maxRestarts: Int?
    public var maxTaskRetries: Int?
    public var maxConcurrency: Int?
    /// Get the named actor if it exists instead of failing.
    public var getIfExists: Bool?
    /// `runtime_env` as JSON text (`env_vars`, `pip`, `working_dir`, ...).
    public var runtimeEnvJSON: String?
    public var scheduling: Scheduling?
    /// Any other `.options()` keyword, e.g. `["max_calls": 3]`.
    public var extra: [(key: String, value: RayValue)] = []

    public init() {}

    /// Throws `RayError.invalidArgument` (with Ray's rule) when a call with these options
    /// would be refused, without calling anything.
    public func validate() throws {
        try withC { _ in }
    }

    /// Sets any other `.options()` keyword (chainable).
    public func setting(_ key: String, _ value: some RayEncodable) throws -> Options {
        var o = self
        o.extra.append((key: key, value: try value.rayValue()))
        return o
    }

    /// Builds the C options (with `num_returns` when the call form gives it) and runs
    /// `body` with them; they are freed when it returns (the C functions copy what they
    /// need).
    func withC<R>(numReturns: Int? = nil, _ body: (OpaquePointer?) throws -> R) throws -> R {
        var o: OpaquePointer?
        try check(ray_client_options_new(&o))
        let opts = o!
        defer { ray_client_options_free(opts) }
        if let v = numCPUs { try check(ray_client_options_set_num_cpus(opts, v)) }
        if let v = numGPUs { try check(ray_client_options_set_num_gpus(opts, v)) }
        if let v = memory { try check(ray_client_options_set_memory(opts, v)) }
        for (k, v) in resources.sorted(by: { $0.key < $1.key }) {
            try withCString(k, "resource name") { try check(ray_client_options_set_resource(opts, $0, v)) }
        }
        if let v = maxRetries { try check(ray_client_options_set_max_retries(opts, Int64(v))) }
        if let v = retryExceptions { try check(ray_client_options_set_retry_exceptions(opts, v ? 1 : 0)) }
        if let n = numReturns {
            guard n >= 0 else { throw RayError.invalid("num_returns must not be negative (got \(n))") }
            try check(ray_client_options_set_num_returns(opts, n))
        }
        if let v = name { try withCString(v, "name") { try check(ray_client_options_set_name(opts, $0)) } }
        if let v = namespace {
            try withCString(v, "namespace") { try check(ray_client_options_set_namespace(opts, $0)) }
        }
        if detached { try check(ray_client_options_set_detached(opts)) }
        if let v = maxRestarts { try check(ray_client_options_set_max_restarts(opts, Int64(v))) }
        if let v = maxTaskRetries { try check(ray_client_options_set_max_task_retries(opts, Int64(v))) }
        if let v = maxConcurrency { try check(ray_client_options_set_max_concurrency(opts, Int64(v))) }
        if let v = getIfExists { try check(ray_client_options_set_get_if_exists(opts, v ? 1 : 0)) }
        if let v = runtimeEnvJSON {
            try withCString(v, "runtime_env JSON") { try check(ray_client_options_set_runtime_env_json(opts, $0)) }
        }
        switch scheduling {
        case nil: break
        case .default: try check(ray_client_options_set_scheduling_default(opts))
        case .spread: try check(ray_client_options_set_scheduling_spread(opts))
        case .nodeAffinity(let node, let soft):
            try withCString(node, "node id") {
                try check(ray_client_options_set_scheduling_node_affinity(opts, $0, soft ? 1 : 0))
            }
        case .placementGroup(let pg, let index, let capture):
            try check(
                ray_client_options_set_scheduling_placement_group(
                    opts, pg.raw, Int64(index ?? -1), capture ? 1 : 0))
        }
        for (k, v) in extra {
            let h = try v.makeHandle()
            try withCString(k, "option name") { try check(ray_client_options_set_value(opts, $0, h.raw)) }
        }
        return try body(opts)
    }
}
