import CRayClient
import Foundation

/// Options of a task, an actor or an actor method call (Python's `.options(...)`). A
/// value type: set what you need, leave the rest nil.
///
/// Being a plain struct, it is checked when a call uses it: a value Ray refuses
/// (`maxRetries` < -1, `maxConcurrency` < 0, `maxRestarts` / `maxTaskRetries` < -1,
/// `numCPUs` < 0, ...) fails that call with `RayError.invalidArgument`, Ray's rule in the
/// message, before anything is sent to the cluster. ``validate()`` tells earlier.
///
/// ```swift
/// var o = TaskOptions()
/// o.numCPUs = 1
/// o.resources = ["rc_node2": 1]
/// o.runtimeEnvJSON = #"{"env_vars": {"MODE": "fast"}}"#
/// ```
public struct TaskOptions: Sendable {
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
    public func setting(_ key: String, _ value: some RayEncodable) throws -> TaskOptions {
        var o = self
        o.extra.append((key: key, value: try value.rayValue()))
        return o
    }

    /// Builds the C options for one call (`numReturns` given by the call form) and runs
    /// `body` with them; they are freed when it returns (the C call copies what it needs).
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

/// One line of task or actor output, streamed back from the cluster.
public struct LogLine: Sendable, Equatable {
    /// Which stream, or the Python logging level.
    public enum Source: Sendable, Equatable {
        case stdout
        case stderr
        /// A Python `logging` level (20: INFO, 30: WARNING, ...).
        case logging(Int32)
    }

    public var source: Source
    /// The text, with its newline, prefixed by Ray with the task and pid.
    public var message: String
}

/// Where task and actor output goes.
public enum LogDestination: Sendable {
    /// This process's stderr (the default).
    case stderr
    /// Nowhere: output is not streamed.
    case off
    /// To a closure. It runs on the library's I/O thread: return quickly, make no
    /// blocking calls of this library (they fail there), hand work to a task or queue.
    case callback(@Sendable (LogLine) -> Void)
}

/// Everything ``RayClient/init(_:)`` can be told.
public struct ConnectOptions: Sendable {
    /// `ray://host:port`, `host:port` or `host` (port 10001); empty: `RAY_ADDRESS`.
    public var address: String
    /// The Ray namespace of the job.
    public var namespace: String?
    /// The job's runtime environment as JSON text (`env_vars`, `pip`, `working_dir`, ...);
    /// a local `working_dir` is zipped and uploaded.
    public var runtimeEnvJSON: String?
    /// How long connecting keeps trying (default 30 s). Must be positive: zero (or
    /// negative) makes connecting fail at once with `RayError.invalidArgument`, before
    /// anything is sent.
    public var connectTimeout: Duration?
    /// How long the server keeps this client's state after the connection drops (whole
    /// seconds, rounded up; zero disables reconnection).
    public var reconnectGracePeriod: Duration?
    /// Connect even when the server's Ray version is untested.
    public var ignoreVersionMismatch: Bool = false
    /// Where task and actor output goes.
    public var logs: LogDestination = .stderr
    /// HTTP/2 keepalive: a ping every `keepaliveInterval` (default 30 s), also while idle,
    /// so proxies that drop silent connections keep this one; a ping unanswered for
    /// `keepaliveTimeout` (default 20 s) counts the connection as broken and starts
    /// reconnection. Both must be positive; nil keeps the default. See
    /// ``keepalive(interval:timeout:)``.
    public var keepaliveInterval: Duration?
    public var keepaliveTimeout: Duration?

    /// TLS: `true` on, `false` off (whatever `RAY_USE_TLS` says), nil (the default) decided
    /// by the environment: on when `RAY_USE_TLS` is `1`/`true` or a certificate path is set.
    public var tls: Bool?
    /// Path of the PEM file of the CA that signed the server's certificate (read when
    /// connecting); nil: `RAY_TLS_CA_CERT`, or the system's roots.
    public var tlsCACert: String?
    /// Paths of this client's PEM certificate chain and private key (read when connecting);
    /// a Ray cluster with `RAY_USE_TLS=1` requires one signed by its CA. nil:
    /// `RAY_TLS_SERVER_CERT` / `RAY_TLS_SERVER_KEY`.
    public var tlsClientCert: (certPath: String, keyPath: String)?
    /// The name the server's certificate must carry when it is not the host of the address.
    public var tlsServerName: String?
    /// The token of a cluster with token authentication (`RAY_AUTH_MODE=token`), sent as
    /// `authorization: Bearer <token>`; never shown in errors or in this value's
    /// description. nil: `RAY_AUTH_TOKEN`, `RAY_AUTH_TOKEN_PATH` or `~/.ray/auth_token`. A
    /// missing or wrong token makes connecting fail with `RayError.authenticationFailed`;
    /// an empty one is `RayError.invalidArgument`.
    public var authToken: String?

    public init(address: String = "") { self.address = address }

    /// Sets both keepalive durations (see ``keepaliveInterval``).
    public mutating func keepalive(interval: Duration, timeout: Duration) {
        keepaliveInterval = interval
        keepaliveTimeout = timeout
    }

    /// The job's runtime environment with a local `working_dir` (uploaded) and `env_vars`.
    public mutating func setRuntimeEnv(workingDir: String? = nil, envVars: [String: String] = [:]) throws {
        var env: [String: Any] = [:]
        if let workingDir { env["working_dir"] = workingDir }
        if !envVars.isEmpty { env["env_vars"] = envVars }
        let data = try JSONSerialization.data(withJSONObject: env, options: [.sortedKeys])
        runtimeEnvJSON = String(decoding: data, as: UTF8.self)
    }
}

extension ConnectOptions: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The options, with the auth token masked (`***`).
    public var description: String {
        var parts = ["address: \(address.debugDescription)"]
        if let namespace { parts.append("namespace: \(namespace.debugDescription)") }
        if let runtimeEnvJSON { parts.append("runtimeEnvJSON: \(runtimeEnvJSON.debugDescription)") }
        if let connectTimeout { parts.append("connectTimeout: \(connectTimeout)") }
        if let reconnectGracePeriod { parts.append("reconnectGracePeriod: \(reconnectGracePeriod)") }
        if ignoreVersionMismatch { parts.append("ignoreVersionMismatch: true") }
        if let keepaliveInterval { parts.append("keepaliveInterval: \(keepaliveInterval)") }
        if let keepaliveTimeout { parts.append("keepaliveTimeout: \(keepaliveTimeout)") }
        if let tls { parts.append("tls: \(tls)") }
        if let tlsCACert { parts.append("tlsCACert: \(tlsCACert.debugDescription)") }
        if let c = tlsClientCert {
            parts.append("tlsClientCert: (\(c.certPath.debugDescription), \(c.keyPath.debugDescription))")
        }
        if let tlsServerName { parts.append("tlsServerName: \(tlsServerName.debugDescription)") }
        if authToken != nil { parts.append("authToken: ***") }
        return "ConnectOptions(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    /// What `dump` and the debugger show: the fields, the auth token masked.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "address": address, "namespace": namespace as Any, "runtimeEnvJSON": runtimeEnvJSON as Any,
                "connectTimeout": connectTimeout as Any, "reconnectGracePeriod": reconnectGracePeriod as Any,
                "ignoreVersionMismatch": ignoreVersionMismatch, "logs": logs,
                "keepaliveInterval": keepaliveInterval as Any, "keepaliveTimeout": keepaliveTimeout as Any,
                "tls": tls as Any, "tlsCACert": tlsCACert as Any, "tlsClientCert": tlsClientCert as Any,
                "tlsServerName": tlsServerName as Any, "authToken": (authToken == nil ? nil : "***") as String? as Any,
            ], displayStyle: .struct)
    }
}

/// Milliseconds of a timeout; nil (no limit) is -1 for the C calls. Negative durations are
/// refused rather than taken as "no limit".
func milliseconds(_ d: Duration?, _ what: String = "timeout") throws -> Int64 {
    guard let d else { return -1 }
    let (s, atto) = d.components
    if s < 0 || atto < 0 { throw RayError.invalid("\(what) must not be negative (got \(d))") }
    let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
    if overflow { return Int64.max }
    return ms + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
}
