// The RayClient class: a connection to a Ray cluster, how it is made and ended, and the C
// handle behind it. What a client does is in extensions, one file a concept:
// RayClient+Objects (put, get, wait), +Tasks (calling a RemoteFunction), +Actors (an
// ActorClass's actors), +KV, +Cluster, +PlacementGroups and +DefaultClient (Python's
// `ray.init` / `ray.shutdown`).
import CRayClient
import Foundation

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

/// A connection to a Ray cluster (Python's `ray.init("ray://...")`).
///
/// ```swift
/// let client = try RayClient(address: "ray://127.0.0.1:10001")
/// let mean = try RemoteFunction(module: "statistics", qualname: "mean")
/// let ref = try client.call(mean, [[1.0, 2.0, 3.0] as [Double]])
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
        let (opts, sink) = try options.cOptions()
        defer { ray_client_connect_options_free(opts) }
        var c: OpaquePointer?
        try check(ray_client_connect(opts, &c))
        raw = c!
        logSink = sink
        isDefault = false
    }

    /// Takes ownership of a C client handle; `isDefault`: one to the default client.
    init(adopting raw: OpaquePointer, isDefault: Bool) {
        self.raw = raw
        self.logSink = nil
        self.isDefault = isDefault
    }

    /// Connects to `address` (`ray://host:port`; empty: `RAY_ADDRESS`) with default options.
    public convenience init(address: String) throws {
        try self.init(ConnectOptions(address: address))
    }

    deinit {
        // Disconnect explicitly: refs and actor handles that outlive the client would
        // otherwise keep the connection (and the job's objects) alive. Not the default
        // client's: that connection is the process's until shutdown().
        if !isDefault { ray_client_client_disconnect(raw) }
        ray_client_client_free(raw)
        withExtendedLifetime(logSink) {}
    }

    // MARK: connection

    /// Sends `connection_cleanup` and closes the connection; the server releases every
    /// object and actor of this client. Idempotent.
    public func disconnect() throws { try check(ray_client_client_disconnect(raw)) }

    /// Whether the client is connected (false after ``disconnect()``).
    public var isConnected: Bool {
        var c: Int32 = 0
        return ray_client_client_is_connected(raw, &c) == RAY_CLIENT_OK && c != 0
    }

    /// The connection's state: `.connected`; `.reconnecting` after the connection dropped
    /// (calls made meanwhile wait, up to the reconnect grace period); `.lost` for good
    /// (disconnected, grace period passed, or the server no longer knows this client).
    public var connectionState: ConnectionState {
        var s: Int32 = 0
        guard ray_client_client_state(raw, &s) == RAY_CLIENT_OK else { return .lost }
        switch s {
        case RAY_CLIENT_STATE_CONNECTED: return .connected
        case RAY_CLIENT_STATE_RECONNECTING: return .reconnecting
        default: return .lost
        }
    }
}
