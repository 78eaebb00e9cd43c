// How a client connects: ConnectOptions (address, namespace, runtime env, timeouts,
// keepalive, TLS, token, where task output goes), LogRecord and LogDestination, and the C
// connect options made from them.
import CRayClient
import Foundation

/// One record of task or actor output (a line, with its newline), streamed back from the
/// cluster.
public struct LogRecord: Sendable, Equatable {
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
    case callback(@Sendable (LogRecord) -> Void)
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
    /// Headers (gRPC metadata, Python's `_metadata`) sent with every call: what an ingress
    /// or an authentication proxy in front of the client port needs; a name may repeat.
    /// Checked when connecting (names: letters, digits, `-_.`, not the protocol's own,
    /// `grpc-*` or `-bin`; values: printable ASCII). An `authorization` header stands in
    /// for the token (setting ``authToken`` too is `RayError.invalidArgument`). Values are
    /// never shown in errors or in this value's description.
    public var headers: [(name: String, value: String)] = []
    /// The job's metadata (Python's `JobConfig(metadata=...)`), shown with the job by the
    /// dashboard (`Dashboard.listJobs`).
    public var jobMetadata: [String: String] = [:]
    /// Whether the actors this client creates outlive it unless created otherwise
    /// (Python's `JobConfig(default_actor_lifetime="detached")`).
    public var detachedActors = false
    /// The logging configuration of the job's tasks and actors (Python's
    /// `ray.init(logging_config=...)`): Ray 2.30 and later.
    public var loggingConfig: LoggingConfig?
    /// The level of the `ray` logger of this client's server (Python's
    /// `ray.init(logging_level=...)`, there): a level name in any case or its number; nil:
    /// Ray's default (INFO).
    public var loggingLevel: String?
    /// Whether the cluster sends the job's task and actor output here at all (Python's
    /// `ray.init(log_to_driver=...)`); ``logs`` `.off` instead drops it on arrival.
    public var logToDriver = true

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
    /// The options, with the auth token and the header values masked (`***`).
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
        if !jobMetadata.isEmpty { parts.append("jobMetadata: \(jobMetadata.sorted { $0.key < $1.key })") }
        if detachedActors { parts.append("detachedActors: true") }
        if let loggingConfig { parts.append("loggingConfig: \(loggingConfig)") }
        if let loggingLevel { parts.append("loggingLevel: \(loggingLevel.debugDescription)") }
        if !logToDriver { parts.append("logToDriver: false") }
        if !headers.isEmpty { parts.append("headers: [\(headers.map { "\($0.name): ***" }.joined(separator: ", "))]") }
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
                "headers": headers.map { "\($0.name): ***" }, "jobMetadata": jobMetadata,
                "detachedActors": detachedActors, "loggingConfig": loggingConfig as Any,
                "loggingLevel": loggingLevel as Any, "logToDriver": logToDriver,
            ], displayStyle: .struct)
    }
}

/// The logging configuration of the job's tasks and actors (Python's `ray.LoggingConfig`):
/// how their Python `logging` records are formatted and from which level they are kept.
/// Checked when connecting (an unknown level or attribute is `RayError.invalidArgument`);
/// `additionalLogStandardAttrs` needs Ray 2.43.
public struct LoggingConfig: Sendable, Equatable, CustomStringConvertible {
    public enum Encoding: String, Sendable { case text = "TEXT", json = "JSON" }
    public var encoding: Encoding
    /// The workers' root logger level: `DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL`.
    public var logLevel: String
    /// Standard `logging.LogRecord` attributes added to each record (`name`, `lineno`, ...).
    public var additionalLogStandardAttrs: [String]

    public init(encoding: Encoding = .text, logLevel: String = "INFO", additionalLogStandardAttrs: [String] = []) {
        self.encoding = encoding
        self.logLevel = logLevel
        self.additionalLogStandardAttrs = additionalLogStandardAttrs
    }

    public var description: String {
        "LoggingConfig(encoding: \(encoding.rawValue), logLevel: \(logLevel.debugDescription), "
            + "additionalLogStandardAttrs: \(additionalLogStandardAttrs))"
    }

    /// Python's dict form, as the C ABI takes it.
    func json() throws -> String {
        let dict: [String: Any] = [
            "encoding": encoding.rawValue, "log_level": logLevel,
            "additional_log_standard_attrs": additionalLogStandardAttrs,
        ]
        let data = try JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Keeps a log closure alive for as long as the C client may call it.
final class LogSink: @unchecked Sendable {
    let body: @Sendable (LogRecord) -> Void
    init(_ body: @escaping @Sendable (LogRecord) -> Void) { self.body = body }
}

extension ConnectOptions {
    /// The C connect options for these options (the caller frees them) and the log closure
    /// they point at, which must outlive every client connected with them.
    func cOptions() throws -> (OpaquePointer, LogSink?) {
        var o: OpaquePointer?
        try withCString(address, "address") { try check(ray_client_connect_options_new($0, &o)) }
        let opts = o!
        var done = false
        defer { if !done { ray_client_connect_options_free(opts) } }
        if let ns = namespace {
            try withCString(ns, "namespace") { try check(ray_client_connect_options_set_namespace(opts, $0)) }
        }
        if let env = runtimeEnvJSON {
            try withCString(env, "runtime_env JSON") {
                try check(ray_client_connect_options_set_runtime_env_json(opts, $0))
            }
        }
        if let t = connectTimeout {
            try check(ray_client_connect_options_set_connect_timeout_ms(opts, UInt64(try milliseconds(t, "connect timeout"))))
        }
        if let g = reconnectGracePeriod {
            let ms = try milliseconds(g, "reconnect grace period")
            // Whole seconds, rounded up: a positive period under a second must not become
            // 0, which turns reconnection off.
            try check(ray_client_connect_options_set_reconnect_grace_period_s(opts, UInt64((ms + 999) / 1000)))
        }
        if ignoreVersionMismatch {
            try check(ray_client_connect_options_set_ignore_version_mismatch(opts, 1))
        }
        if keepaliveInterval != nil || keepaliveTimeout != nil {
            // One unset: the library's default for it (30 s interval, 20 s timeout).
            let interval = try milliseconds(keepaliveInterval ?? .seconds(30), "keepalive interval")
            let timeout = try milliseconds(keepaliveTimeout ?? .seconds(20), "keepalive timeout")
            try check(ray_client_connect_options_set_keepalive_ms(opts, UInt64(interval), UInt64(timeout)))
        }
        if let tls = tls { try check(ray_client_connect_options_set_tls(opts, tls ? 1 : 0)) }
        if let ca = tlsCACert {
            try withCString(ca, "TLS CA certificate path") { try check(ray_client_connect_options_set_tls_ca_cert(opts, $0)) }
        }
        if let pair = tlsClientCert {
            try withCString(pair.certPath, "TLS certificate path") { c in
                try withCString(pair.keyPath, "TLS key path") { k in
                    try check(ray_client_connect_options_set_tls_client_cert(opts, c, k))
                }
            }
        }
        if let name = tlsServerName {
            try withCString(name, "TLS server name") { try check(ray_client_connect_options_set_tls_server_name(opts, $0)) }
        }
        if let token = authToken {
            try withCString(token, "auth token") { try check(ray_client_connect_options_set_auth_token(opts, $0)) }
        }
        try addPairs(headers, "header") { ray_client_connect_options_add_header(opts, $0, $1) }
        try addPairs(jobMetadata.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }, "job metadata") {
            ray_client_connect_options_add_job_metadata(opts, $0, $1)
        }
        if detachedActors { try check(ray_client_connect_options_set_detached_actors(opts, 1)) }
        if let loggingConfig {
            try withCString(try loggingConfig.json(), "logging config") {
                try check(ray_client_connect_options_set_logging_config_json(opts, $0))
            }
        }
        if let loggingLevel {
            try withCString(loggingLevel, "logging level") { try check(ray_client_connect_options_set_logging_level(opts, $0)) }
        }
        if !logToDriver { try check(ray_client_connect_options_set_log_to_driver(opts, 0)) }
        var sink: LogSink?
        switch logs {
        case .stderr: try check(ray_client_connect_options_set_logs(opts, RAY_CLIENT_LOGS_STDERR))
        case .off: try check(ray_client_connect_options_set_logs(opts, RAY_CLIENT_LOGS_OFF))
        case .callback(let body):
            let s = LogSink(body)
            sink = s
            // Unretained: the caller keeps it for as long as the C client lives (RayClient.logSink).
            try check(
                ray_client_connect_options_set_log_callback(
                    opts,
                    { user, level, msg in
                        guard let user else { return }
                        let sink = Unmanaged<LogSink>.fromOpaque(user).takeUnretainedValue()
                        let source: LogRecord.Source =
                            switch level {
                            case RAY_CLIENT_LOG_STDOUT: .stdout
                            case RAY_CLIENT_LOG_STDERR: .stderr
                            default: .logging(level)
                            }
                        sink.body(LogRecord(source: source, message: msg.map { String(cString: $0) } ?? ""))
                    }, Unmanaged.passUnretained(s).toOpaque()))
        }
        done = true
        return (opts, sink)
    }
}
