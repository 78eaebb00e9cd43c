import CRayClient
import Foundation

/// What the server said about itself.
public struct ServerInfo: Sendable, Equatable {
    public var rayVersion: String
    public var rayCommit: String
    public var pythonVersion: String
    public var numClients: Int
}

/// The connection's id, address and namespace.
public struct ClientInfo: Sendable, Equatable {
    /// 32 hex digits.
    public var clientID: String
    public var address: String
    public var namespace: String?
}

/// A named actor, as listed by ``RayClient/namedActors(allNamespaces:)``.
public struct NamedActor: Sendable, Equatable, Hashable {
    public var name: String
    public var namespace: String
}

/// The job's runtime context.
public struct RuntimeContext: Sendable, Equatable {
    public var jobID: String
    public var nodeID: String
    public var namespace: String
    /// The runtime env as JSON text.
    public var runtimeEnv: String
    public var gcsAddress: String
    public var sessionName: String
}

/// The state of a client's connection (``RayClient/connectionState``).
public enum ConnectionState: Sendable, Equatable {
    /// The connection is up.
    case connected
    /// The connection dropped and the client is reconnecting; calls made meanwhile wait
    /// for it, up to the reconnect grace period, and pending requests are replayed.
    case reconnecting
    /// The connection is gone for good: calls fail with `RayError.connectionLost`.
    case lost
}

/// Keeps a log closure alive for as long as the C client may call it.
final class LogSink: @unchecked Sendable {
    let body: @Sendable (LogLine) -> Void
    init(_ body: @escaping @Sendable (LogLine) -> Void) { self.body = body }
}

/// The log closures of default clients. The C default client may call one until its
/// last handle is freed, which after `shutdown()` can be any time on any thread, so they
/// are kept for the process's life (one small object per `initialize` with a closure).
private final class DefaultClientLogSinks: @unchecked Sendable {
    static let shared = DefaultClientLogSinks()
    private let lock = NSLock()
    private var sinks: [LogSink] = []

    func keep(_ sink: LogSink) {
        lock.lock()
        defer { lock.unlock() }
        sinks.append(sink)
    }
}

/// Arguments of a remote call, as C handles that live until the call returned.
struct CallArgs {
    let args: [OwnedValue]
    let names: [String]
    let values: [OwnedValue]

    init(_ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>) throws {
        self.args = try args.map { try makeHandle(for: $0) }
        for (k, _) in kwargs {
            if k.isEmpty || k.utf8.contains(0) { throw RayError.invalid("keyword argument name \(k.debugDescription) is not usable") }
        }
        self.names = kwargs.map { $0.key }
        self.values = try kwargs.map { try makeHandle(for: $0.value) }
    }

    /// Runs `body(args, nargs, names, values, nkw)` with C arrays.
    func withC<R>(
        _ body: (UnsafePointer<OpaquePointer?>?, Int, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<OpaquePointer?>?, Int)
            throws -> R
    ) rethrows -> R {
        let a: [OpaquePointer?] = args.map { $0.raw }
        let v: [OpaquePointer?] = values.map { $0.raw }
        // strdup'd copies: the C side only reads them during the call.
        let cNames: [UnsafeMutablePointer<CChar>?] = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        let n: [UnsafePointer<CChar>?] = cNames.map { UnsafePointer($0) }
        return try withExtendedLifetime(self) { try body(a, a.count, n, v, v.count) }
    }
}

/// A connection to a Ray cluster (Python's `ray.init("ray://...")`).
///
/// ```swift
/// let client = try RayClient(address: "ray://127.0.0.1:10001")
/// let ref = try client.call("statistics", "mean", [[1.0, 2.0, 3.0] as [Double]])
/// let mean = try await client.get(ref, as: Double.self)
/// ```
///
/// Ownership: the connection is the object's. `deinit` disconnects (the server then
/// releases every object and actor of this client that is not detached) and frees the
/// handle; ``disconnect()`` does so earlier. Refs and actor handles of a disconnected
/// client report `RayError.connectionLost`. Handles to the process's default client
/// (``initialize(_:)``, ``defaultClient()``) are the exception: dropping one frees the
/// handle only, and the connection stays until ``shutdown()``.
///
/// Thread-safety: `Sendable`; every method may be called from any thread or task at the
/// same time. The synchronous methods block the calling thread for one round trip to the
/// cluster (submitting a task does not wait for it to run); `get` and `wait` are `async`
/// and suspend without blocking a thread.
public final class RayClient: @unchecked Sendable {
    let raw: OpaquePointer
    /// The log closure, released only after the C client is freed (`deinit` frees first).
    private let logSink: LogSink?
    /// A handle to the default client (``initialize(_:)``, ``defaultClient()``): `deinit`
    /// frees the handle only; the connection stays until ``shutdown()``.
    private let isDefault: Bool

    /// The library's version, `"MAJOR.MINOR.PATCH"`.
    public static var libraryVersion: String { String(cString: ray_client_version()) }

    /// Number of live C handles of every type in the process (for leak checks).
    public static var liveHandles: Int { ray_client_live_handles() }

    /// Connects with `options`; returns once the server is ready.
    public init(_ options: ConnectOptions) throws {
        let (opts, sink) = try Self.cOptions(options)
        defer { ray_client_connect_options_free(opts) }
        var c: OpaquePointer?
        try check(ray_client_connect(opts, &c))
        raw = c!
        logSink = sink
        isDefault = false
    }

    private init(adopting raw: OpaquePointer, isDefault: Bool) {
        self.raw = raw
        self.logSink = nil
        self.isDefault = isDefault
    }

    /// The C connect options for `options` (the caller frees them) and the log closure
    /// they point at, which must outlive every client connected with them.
    private static func cOptions(_ options: ConnectOptions) throws -> (OpaquePointer, LogSink?) {
        var o: OpaquePointer?
        try withCString(options.address, "address") { try check(ray_client_connect_options_new($0, &o)) }
        let opts = o!
        var done = false
        defer { if !done { ray_client_connect_options_free(opts) } }
        if let ns = options.namespace {
            try withCString(ns, "namespace") { try check(ray_client_connect_options_set_namespace(opts, $0)) }
        }
        if let env = options.runtimeEnvJSON {
            try withCString(env, "runtime_env JSON") {
                try check(ray_client_connect_options_set_runtime_env_json(opts, $0))
            }
        }
        if let t = options.connectTimeout {
            try check(ray_client_connect_options_set_connect_timeout_ms(opts, UInt64(try milliseconds(t, "connect timeout"))))
        }
        if let g = options.reconnectGracePeriod {
            let ms = try milliseconds(g, "reconnect grace period")
            // Whole seconds, rounded up: a positive period under a second must not become
            // 0, which turns reconnection off.
            try check(ray_client_connect_options_set_reconnect_grace_period_s(opts, UInt64((ms + 999) / 1000)))
        }
        if options.ignoreVersionMismatch {
            try check(ray_client_connect_options_set_ignore_version_mismatch(opts, 1))
        }
        if options.keepaliveInterval != nil || options.keepaliveTimeout != nil {
            // One unset: the library's default for it (30 s interval, 20 s timeout).
            let interval = try milliseconds(options.keepaliveInterval ?? .seconds(30), "keepalive interval")
            let timeout = try milliseconds(options.keepaliveTimeout ?? .seconds(20), "keepalive timeout")
            try check(ray_client_connect_options_set_keepalive_ms(opts, UInt64(interval), UInt64(timeout)))
        }
        if let tls = options.tls { try check(ray_client_connect_options_set_tls(opts, tls ? 1 : 0)) }
        if let ca = options.tlsCACert {
            try withCString(ca, "TLS CA certificate path") { try check(ray_client_connect_options_set_tls_ca_cert(opts, $0)) }
        }
        if let pair = options.tlsClientCert {
            try withCString(pair.certPath, "TLS certificate path") { c in
                try withCString(pair.keyPath, "TLS key path") { k in
                    try check(ray_client_connect_options_set_tls_client_cert(opts, c, k))
                }
            }
        }
        if let name = options.tlsServerName {
            try withCString(name, "TLS server name") { try check(ray_client_connect_options_set_tls_server_name(opts, $0)) }
        }
        if let token = options.authToken {
            try withCString(token, "auth token") { try check(ray_client_connect_options_set_auth_token(opts, $0)) }
        }
        var sink: LogSink?
        switch options.logs {
        case .stderr: try check(ray_client_connect_options_set_logs(opts, RAY_CLIENT_LOGS_STDERR))
        case .off: try check(ray_client_connect_options_set_logs(opts, RAY_CLIENT_LOGS_OFF))
        case .callback(let body):
            let s = LogSink(body)
            sink = s
            // Unretained: `self.logSink` owns it and outlives the C client (see deinit).
            try check(
                ray_client_connect_options_set_log_callback(
                    opts,
                    { user, level, msg in
                        guard let user else { return }
                        let sink = Unmanaged<LogSink>.fromOpaque(user).takeUnretainedValue()
                        let source: LogLine.Source =
                            switch level {
                            case RAY_CLIENT_LOG_STDOUT: .stdout
                            case RAY_CLIENT_LOG_STDERR: .stderr
                            default: .logging(level)
                            }
                        sink.body(LogLine(source: source, message: msg.map { String(cString: $0) } ?? ""))
                    }, Unmanaged.passUnretained(s).toOpaque()))
        }
        done = true
        return (opts, sink)
    }

    /// Connects to `address` (`ray://host:port`; empty: `RAY_ADDRESS`) with default options.
    public convenience init(address: String) throws {
        try self.init(ConnectOptions(address: address))
    }

    deinit {
        // Disconnect explicitly: refs and actor handles that outlive the client would
        // otherwise keep the connection (and the job's objects) alive. Not the default
        // client's: that connection is the process's until shutdown().
        if !isDefault { ray_client_disconnect(raw) }
        ray_client_client_free(raw)
        withExtendedLifetime(logSink) {}
    }

    // MARK: the default client (Python's `ray.init` / `ray.shutdown`)

    /// Connects the process's default client (Python's `ray.init`), which
    /// ``defaultClient()`` returns anywhere in the program until ``shutdown()``; fails
    /// with `RayError.invalidArgument` when one is connected already. The returned
    /// object, like every handle to the default client, frees only its handle when
    /// dropped: the connection stays until ``shutdown()``. A log closure given in
    /// `options` is kept for the rest of the process (the library may call it until
    /// the default client's last C handle is gone, whenever that is).
    @discardableResult
    public static func initialize(_ options: ConnectOptions) throws -> RayClient {
        let (opts, sink) = try cOptions(options)
        defer { ray_client_connect_options_free(opts) }
        var c: OpaquePointer?
        try check(ray_client_init(opts, &c))
        if let sink { DefaultClientLogSinks.shared.keep(sink) }
        return RayClient(adopting: c!, isDefault: true)
    }

    /// ``initialize(_:)`` with default options for `address` (empty: `RAY_ADDRESS`).
    @discardableResult
    public static func initialize(address: String = "") throws -> RayClient {
        try initialize(ConnectOptions(address: address))
    }

    /// A new handle to the default client; `RayError.invalidArgument` when none is
    /// connected.
    public static func defaultClient() throws -> RayClient {
        var c: OpaquePointer?
        try check(ray_client_default_client(&c))
        return RayClient(adopting: c!, isDefault: true)
    }

    /// Whether the default client is connected.
    public static var isInitialized: Bool { ray_client_is_initialized() == 1 }

    /// Disconnects the default client, if any; its handles then report
    /// `RayError.connectionLost`.
    public static func shutdown() throws { try check(ray_client_shutdown()) }

    // MARK: connection

    /// Sends `connection_cleanup` and closes the connection; the server releases every
    /// object and actor of this client. Idempotent.
    public func disconnect() throws { try check(ray_client_disconnect(raw)) }

    /// Whether the client is connected (false after ``disconnect()``).
    public var isConnected: Bool {
        var c: Int32 = 0
        return ray_client_is_connected(raw, &c) == RAY_CLIENT_OK && c != 0
    }

    /// The connection's state: `.connected`; `.reconnecting` after the connection dropped
    /// (calls made meanwhile wait, up to the reconnect grace period); `.lost` for good
    /// (disconnected, grace period passed, or the server no longer knows this client).
    public var connectionState: ConnectionState {
        var s: Int32 = 0
        guard ray_client_connection_state(raw, &s) == RAY_CLIENT_OK else { return .lost }
        switch s {
        case RAY_CLIENT_STATE_CONNECTED: return .connected
        case RAY_CLIENT_STATE_RECONNECTING: return .reconnecting
        default: return .lost
        }
    }

    /// Asks the server whether it is there; throws when it does not answer.
    public func ping() throws { try check(ray_client_ping(raw)) }

    /// Whether Ray is initialized on the client's server.
    public func serverIsInitialized() throws -> Bool {
        var i: Int32 = 0
        try check(ray_client_server_is_initialized(raw, &i))
        return i != 0
    }

    /// What the server said about itself when it accepted the connection.
    public func serverInfo() throws -> ServerInfo {
        var v: UnsafePointer<CChar>?
        var commit: UnsafePointer<CChar>?
        var py: UnsafePointer<CChar>?
        var n: Int32 = 0
        try check(ray_client_server_info(raw, &v, &commit, &py, &n))
        func s(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        return ServerInfo(rayVersion: s(v), rayCommit: s(commit), pythonVersion: s(py), numClients: Int(n))
    }

    /// The connection's id, address and namespace.
    public func clientInfo() throws -> ClientInfo {
        var id: UnsafePointer<CChar>?
        var addr: UnsafePointer<CChar>?
        var ns: UnsafePointer<CChar>?
        try check(ray_client_client_info(raw, &id, &addr, &ns))
        return ClientInfo(
            clientID: id.map { String(cString: $0) } ?? "", address: addr.map { String(cString: $0) } ?? "",
            namespace: ns.map { String(cString: $0) })
    }

    // MARK: objects

    /// Stores `value` in the cluster's object store. A large `Data` or `[Double]` (64 KiB
    /// or more, also inside an `NDArray` or a `RayValue`) is sent from its own storage,
    /// without a copy: the library keeps a copy-on-write reference to it until the data is
    /// sent, so changing your copy afterwards never changes what is sent.
    /// `Data(bytesNoCopy:count:deallocator:)` lends your own memory: its deallocator runs
    /// exactly once, when neither your copies nor the library use it, maybe on the
    /// library's I/O thread (keep it quick; don't write to that memory before).
    public func put(_ value: any RayEncodable) throws -> ObjectRef {
        let h = try makeHandle(for: value)
        var r: OpaquePointer?
        try check(ray_client_put(raw, h.raw, &r))
        return ObjectRef(adopting: r!)
    }

    /// The value of `ref`, waiting up to `timeout` (nil: no limit; `RayError.timeout` when
    /// it passes). A task that raised throws `RayError.taskError` with the remote exception.
    ///
    /// Suspends without blocking a thread (the library completes it from its I/O thread).
    /// Cancelling the awaiting task ends the get at once with `CancellationError`; the Ray
    /// task itself keeps running (``cancel(_:force:recursive:)`` stops it).
    public func get(_ ref: ObjectRef, timeout: Duration? = nil) async throws -> RayValue {
        let ms = try milliseconds(timeout)
        let owned: OwnedValue = try await callback { user in
            ray_client_get_async(
                raw, ref.raw, ms,
                { user, status, value, error in
                    // I/O thread: hand the handle over, convert on the awaiting side.
                    let c = Completion<OwnedValue>.take(user)
                    if status == RAY_CLIENT_OK, let value {
                        c.finish(.success(OwnedValue(value)))
                    } else {
                        ray_client_value_free(value)
                        c.finish(.failure(RayError.adopt(error)))
                    }
                }, user)
        }
        return try withExtendedLifetime(ref) { try RayValue(handle: owned.raw) }
    }

    /// The value of `ref` as `T` (`RayError.typeMismatch` when it is not one).
    public func get<T: RayDecodable>(_ ref: ObjectRef, as type: T.Type, timeout: Duration? = nil) async throws -> T {
        try T(rayValue: try await get(ref, timeout: timeout))
    }

    /// The values of `refs`, in order, fetched together (cancellation as for `get(_:)`).
    public func get(_ refs: [ObjectRef], timeout: Duration? = nil) async throws -> [RayValue] {
        let ms = try milliseconds(timeout)
        if refs.isEmpty { return [] }
        let raws: [OpaquePointer?] = refs.map { $0.raw }
        let owned: [OwnedValue] = try await callback { user in
            ray_client_get_many_async(
                raw, raws, raws.count, ms,
                { user, status, values, n, error in
                    let c = Completion<[OwnedValue]>.take(user)
                    if status == RAY_CLIENT_OK, let values {
                        // Take the handles out of the array, then free the array alone.
                        var out: [OwnedValue] = []
                        for i in 0..<n {
                            if let v = values[i] {
                                out.append(OwnedValue(v))
                                values[i] = nil
                            }
                        }
                        ray_client_value_array_free(values)
                        c.finish(
                            out.count == n
                                ? .success(out) : .failure(RayError.invalid("the library returned a NULL value")))
                    } else {
                        c.finish(.failure(RayError.adopt(error)))
                    }
                }, user)
        }
        return try withExtendedLifetime(refs) { try owned.map { try RayValue(handle: $0.raw) } }
    }

    /// The values of `refs` as `T`s.
    public func get<T: RayDecodable>(_ refs: [ObjectRef], as type: T.Type, timeout: Duration? = nil) async throws
        -> [T]
    {
        try await get(refs, timeout: timeout).map { try T(rayValue: $0) }
    }

    /// Waits until `numReturns` of `refs` (default: all) are ready or `timeout` passes (no
    /// timeout error: the rest are just pending). Returns both lists in the order of `refs`,
    /// like Python's `ray.wait`. Cancellation as for `get(_:)`.
    public func wait(_ refs: [ObjectRef], numReturns: Int? = nil, timeout: Duration? = nil) async throws
        -> (ready: [ObjectRef], pending: [ObjectRef])
    {
        let ms = try milliseconds(timeout)
        if refs.isEmpty && numReturns == nil { return ([], []) }
        let want = numReturns ?? refs.count
        guard want >= 1, want <= refs.count else {
            throw RayError.invalid("numReturns \(want) is not between 1 and the number of refs (\(refs.count))")
        }
        let raws: [OpaquePointer?] = refs.map { $0.raw }
        let ready: [Bool] = try await callback { user in
            ray_client_wait_async(
                raw, raws, raws.count, want, ms,
                { user, status, ready, n, _, error in
                    let c = Completion<[Bool]>.take(user)
                    if status == RAY_CLIENT_OK, let ready {
                        // Borrowed for the duration of the call only: copy.
                        c.finish(.success((0..<n).map { ready[$0] != 0 }))
                    } else {
                        c.finish(.failure(RayError.adopt(error)))
                    }
                }, user)
        }
        var r: [ObjectRef] = []
        var p: [ObjectRef] = []
        for (ref, isReady) in zip(refs, ready) {
            if isReady { r.append(ref) } else { p.append(ref) }
        }
        return (r, p)
    }

    /// Runs a C async call: `start(user)` starts it with `user` for its callback, which
    /// must call `Completion<T>.take(user).finish(...)` exactly once. Suspends until then,
    /// or until the awaiting task is cancelled.
    private func callback<T>(_ start: (UnsafeMutableRawPointer) -> Int32) async throws -> T {
        let completion = Completion<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
                guard completion.install(cont) else { return }
                // One reference for the callback, taken back by `take`.
                let user = Unmanaged.passRetained(completion).toOpaque()
                let rc = start(user)
                if rc != RAY_CLIENT_OK {
                    // The callback will not run: drop its reference and fail here (the last
                    // error is this thread's, read before anything else can run on it).
                    let error = RayError.last(rc)
                    Unmanaged<Completion<T>>.fromOpaque(user).release()
                    completion.finish(.failure(error))
                }
            }
        } onCancel: {
            completion.finish(.failure(CancellationError()))
        }
    }

    /// Cancels the task that produces `ref` (`ray.cancel`): `force` kills the worker,
    /// `recursive` cancels the tasks it started.
    public func cancel(_ ref: ObjectRef, force: Bool = false, recursive: Bool = true) throws {
        try check(ray_client_cancel(raw, ref.raw, force ? 1 : 0, recursive ? 1 : 0))
    }

    // MARK: tasks

    /// Calls `module.function(*args, **kwargs)` on the cluster (the function must be
    /// importable there, e.g. from the job's `working_dir`) and returns the ref of its
    /// result at once, without waiting for the task to run.
    public func call(
        _ module: String, _ function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ObjectRef {
        let a = try CallArgs(args, kwargs)
        var out: OpaquePointer?
        try withCString(module, "module") { m in
            try withCString(function, "function name") { f in
                try options.withC { o in
                    try a.withC { ap, n, kn, kv, nkw in try check(ray_client_call(raw, m, f, ap, n, kn, kv, nkw, o, &out)) }
                }
            }
        }
        return ObjectRef(adopting: out!)
    }

    /// `call` of a function with `returns` results (`num_returns`): one ref each.
    public func call(
        _ module: String, _ function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions(),
        returns: Int
    ) throws -> [ObjectRef] {
        let a = try CallArgs(args, kwargs)
        var out: UnsafeMutablePointer<OpaquePointer?>?
        var n = 0
        try withCString(module, "module") { m in
            try withCString(function, "function name") { f in
                try options.withC(numReturns: returns) { o in
                    try a.withC { ap, na, kn, kv, nkw in
                        try check(ray_client_call_n(raw, m, f, ap, na, kn, kv, nkw, o, &out, &n))
                    }
                }
            }
        }
        return takeRefs(out, n)
    }

    /// Calls the function `function` defined by Python `source` (a `def`, with the imports
    /// it needs inside); the cluster receives it by value.
    public func call(
        source: String, function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ObjectRef {
        let a = try CallArgs(args, kwargs)
        var out: OpaquePointer?
        try withCString(source, "source") { s in
            try withCString(function, "function name") { f in
                try options.withC { o in
                    try a.withC { ap, n, kn, kv, nkw in
                        try check(ray_client_call_source(raw, s, f, ap, n, kn, kv, nkw, o, &out))
                    }
                }
            }
        }
        return ObjectRef(adopting: out!)
    }

    /// `call(source:function:)` with `returns` results.
    public func call(
        source: String, function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions(),
        returns: Int
    ) throws -> [ObjectRef] {
        let a = try CallArgs(args, kwargs)
        var out: UnsafeMutablePointer<OpaquePointer?>?
        var n = 0
        try withCString(source, "source") { s in
            try withCString(function, "function name") { f in
                try options.withC(numReturns: returns) { o in
                    try a.withC { ap, na, kn, kv, nkw in
                        try check(ray_client_call_source_n(raw, s, f, ap, na, kn, kv, nkw, o, &out, &n))
                    }
                }
            }
        }
        return takeRefs(out, n)
    }

    // MARK: actors

    /// Creates an actor of the class `module.className(*args, **kwargs)`. Returns at once;
    /// a failure to create shows on the first method call.
    public func createActor(
        _ module: String, _ className: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ActorHandle {
        let a = try CallArgs(args, kwargs)
        var out: OpaquePointer?
        try withCString(module, "module") { m in
            try withCString(className, "class name") { c in
                try options.withC { o in
                    try a.withC { ap, n, kn, kv, nkw in
                        try check(ray_client_actor_create(raw, m, c, ap, n, kn, kv, nkw, o, &out))
                    }
                }
            }
        }
        return ActorHandle(adopting: out!)
    }

    /// Creates an actor of the class `className` defined by Python `source`.
    public func createActor(
        source: String, className: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ActorHandle {
        let a = try CallArgs(args, kwargs)
        var out: OpaquePointer?
        try withCString(source, "source") { s in
            try withCString(className, "class name") { c in
                try options.withC { o in
                    try a.withC { ap, n, kn, kv, nkw in
                        try check(ray_client_actor_create_source(raw, s, c, ap, n, kn, kv, nkw, o, &out))
                    }
                }
            }
        }
        return ActorHandle(adopting: out!)
    }

    /// Calls `actor.method(*args, **kwargs)` and returns the ref of its result at once.
    public func call(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ObjectRef {
        let a = try CallArgs(args, kwargs)
        var out: OpaquePointer?
        try withCString(method, "method name") { m in
            try options.withC { o in
                try a.withC { ap, n, kn, kv, nkw in
                    try check(ray_client_actor_call(raw, actor.raw, m, ap, n, kn, kv, nkw, o, &out))
                }
            }
        }
        return ObjectRef(adopting: out!)
    }

    /// Calls an actor method with `returns` results.
    public func call(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions(),
        returns: Int
    ) throws -> [ObjectRef] {
        let a = try CallArgs(args, kwargs)
        var out: UnsafeMutablePointer<OpaquePointer?>?
        var n = 0
        try withCString(method, "method name") { m in
            try options.withC(numReturns: returns) { o in
                try a.withC { ap, na, kn, kv, nkw in
                    try check(ray_client_actor_call_n(raw, actor.raw, m, ap, na, kn, kv, nkw, o, &out, &n))
                }
            }
        }
        return takeRefs(out, n)
    }

    /// The named actor `name` in `namespace` (nil: this client's namespace);
    /// `RayError.invalidArgument` when there is none.
    public func actor(named name: String, namespace: String? = nil) throws -> ActorHandle {
        var out: OpaquePointer?
        try withCString(name, "actor name") { n in
            try withOptionalCString(namespace, "namespace") { ns in try check(ray_client_get_actor(raw, n, ns, &out)) }
        }
        return ActorHandle(adopting: out!)
    }

    /// Kills an actor (`ray.kill`); with `noRestart: false` it may restart if it has
    /// restarts left. Asynchronous on the cluster: the actor dies shortly after.
    public func kill(_ actor: ActorHandle, noRestart: Bool = true) throws {
        try check(ray_client_kill_actor(raw, actor.raw, noRestart ? 1 : 0))
    }

    /// Named actors of this client's namespace, or of every namespace.
    public func namedActors(allNamespaces: Bool = false) throws -> [NamedActor] {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_list_named_actors(raw, allNamespaces ? 1 : 0, &s))
        let json = takeString(s)
        guard let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw RayError.invalid("unexpected named actor list: \(json)")
        }
        return list.map {
            NamedActor(name: $0["name"] as? String ?? "", namespace: $0["namespace"] as? String ?? "")
        }
    }

    // MARK: KV

    /// The value stored under `key` in `namespace` (nil: none), or nil when there is none.
    public func kvGet(_ key: Data, namespace: String? = nil) throws -> Data? {
        var v: UnsafeMutablePointer<UInt8>?
        var n = 0
        var found: Int32 = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try check(ray_client_kv_get(raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, ns, &v, &n, &found))
            }
        }
        guard found != 0 else { return nil }
        return takeBytes(v, n)
    }

    /// Stores `value` under `key`; with `overwrite: false` an existing value is kept.
    /// Returns whether the key existed before.
    @discardableResult
    public func kvPut(_ key: Data, _ value: Data, overwrite: Bool = true, namespace: String? = nil) throws -> Bool {
        var existed: Int32 = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try value.withUnsafeBytes { v in
                    try check(
                        ray_client_kv_put(
                            raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, v.bindMemory(to: UInt8.self).baseAddress,
                            v.count, overwrite ? 1 : 0, ns, &existed))
                }
            }
        }
        return existed != 0
    }

    /// Deletes `key`, or with `byPrefix` every key starting with it; returns how many went.
    @discardableResult
    public func kvDelete(_ key: Data, byPrefix: Bool = false, namespace: String? = nil) throws -> Int {
        var deleted = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try check(
                    ray_client_kv_del(raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, byPrefix ? 1 : 0, ns, &deleted))
            }
        }
        return deleted
    }

    /// Whether `key` exists.
    public func kvExists(_ key: Data, namespace: String? = nil) throws -> Bool {
        var exists: Int32 = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try check(ray_client_kv_exists(raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, ns, &exists))
            }
        }
        return exists != 0
    }

    /// Every key starting with `prefix`.
    public func kvList(prefix: Data, namespace: String? = nil) throws -> [Data] {
        var out: OpaquePointer?
        try withOptionalCString(namespace, "namespace") { ns in
            try prefix.withUnsafeBytes { p in
                try check(ray_client_kv_list(raw, p.bindMemory(to: UInt8.self).baseAddress, p.count, ns, &out))
            }
        }
        let owned = OwnedValue(out!)
        return try [Data](rayValue: try RayValue(handle: owned.raw))
    }

    // MARK: cluster

    /// Total resources of the cluster (`ray.cluster_resources()`), e.g. `["CPU": 4, ...]`.
    public func clusterResources() throws -> [String: Double] {
        try resources(ray_client_cluster_resources)
    }

    /// Resources not in use right now (`ray.available_resources()`).
    public func availableResources() throws -> [String: Double] {
        try resources(ray_client_available_resources)
    }

    /// The cluster's nodes (`ray.nodes()`): one dict each (`NodeID`, `Alive`, `Resources`, ...).
    public func nodes() throws -> [RayValue] {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_nodes(raw, &s))
        return try [RayValue](rayValue: try RayValue(json: takeString(s)))
    }

    /// The job's runtime context.
    public func runtimeContext() throws -> RuntimeContext {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_runtime_context(raw, &s))
        let json = takeString(s)
        guard let o = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw RayError.invalid("unexpected runtime context: \(json)")
        }
        func f(_ k: String) -> String { o[k] as? String ?? "" }
        return RuntimeContext(
            jobID: f("job_id"), nodeID: f("node_id"), namespace: f("namespace"), runtimeEnv: f("runtime_env"),
            gcsAddress: f("gcs_address"), sessionName: f("session_name"))
    }

    /// The dashboard's URL (empty without a dashboard).
    public func dashboardURL() throws -> String {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_dashboard_url(raw, &s))
        return takeString(s)
    }

    // MARK: placement groups

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

    // MARK: helpers

    private func resources(_ f: (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32)
        throws -> [String: Double]
    {
        var s: UnsafeMutablePointer<CChar>?
        try check(f(raw, &s))
        let json = takeString(s)
        guard let o = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw RayError.invalid("unexpected resources: \(json)")
        }
        return o.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    private func takeRefs(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ n: Int) -> [ObjectRef] {
        guard let out else { return [] }
        var refs: [ObjectRef] = []
        for i in 0..<n {
            if let r = out[i] {
                refs.append(ObjectRef(adopting: r))
                out[i] = nil
            }
        }
        ray_client_object_ref_array_free(out)
        return refs
    }
}

/// The meeting point of a C async call's callback (on the I/O thread), the awaiting task
/// and its cancellation handler: whichever finishes first resumes the continuation, later
/// results are dropped (a late value is freed with its `OwnedValue`).
final class Completion<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var cont: CheckedContinuation<T, Error>?
    private var done = false

    /// Installs the continuation; false (and resumed with `CancellationError`) when the
    /// task was cancelled first: only cancellation can finish before the call started.
    func install(_ c: CheckedContinuation<T, Error>) -> Bool {
        lock.lock()
        if done {
            lock.unlock()
            c.resume(throwing: CancellationError())
            return false
        }
        cont = c
        lock.unlock()
        return true
    }

    /// The first result wins; later ones are dropped.
    func finish(_ r: sending Result<T, Error>) {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        done = true
        let c = cont
        cont = nil
        lock.unlock()
        c?.resume(with: r)
    }

    /// The completion behind a callback's `user` pointer, taking back its reference.
    static func take(_ user: UnsafeMutableRawPointer?) -> Completion<T> {
        Unmanaged<Completion<T>>.fromOpaque(user!).takeRetainedValue()
    }
}

extension OwnedValue: @unchecked Sendable {}
