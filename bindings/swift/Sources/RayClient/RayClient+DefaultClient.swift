// The process's default client, Python's `ray.init` / `ray.shutdown`: one connection that
// `RayClient.defaultClient()` hands out anywhere in the program until `shutdown()`.
import CRayClient
import Foundation

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

/// The default client (Python's `ray.init` / `ray.shutdown`).
extension RayClient {
    /// Connects the process's default client (Python's `ray.init`), which
    /// ``defaultClient()`` returns anywhere in the program until ``shutdown()``; fails
    /// with `RayError.invalidArgument` when one is connected already. The returned
    /// object, like every handle to the default client, frees only its handle when
    /// dropped: the connection stays until ``shutdown()``. A log closure given in
    /// `options` is kept for the rest of the process (the library may call it until
    /// the default client's last C handle is gone, whenever that is).
    @discardableResult
    public static func initialize(_ options: ConnectOptions) throws -> RayClient {
        let (opts, sink) = try options.cOptions()
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
}
