// The Dashboard class: a cluster's dashboard (its HTTP APIs for Ray Jobs and the cluster's
// state), DashboardOptions to connect with, and `blocking`, which runs the library's
// blocking dashboard calls off the caller's thread. What a dashboard does is in
// extensions: Dashboard+Jobs (submit, wait, logs, stop, delete, list) and Dashboard+State
// (Python's `ray.util.state` lists and the task summary).
import CRayClient
import Foundation

/// Everything ``Dashboard/init(_:)`` can be told (the arguments of Python's
/// `JobSubmissionClient`).
public struct DashboardOptions: Sendable {
    /// `http://host:8265`, `https://host:8265`, `host:8265`, or a Ray Client address
    /// `ray://host:10001` (the cluster is asked where its dashboard is: one short
    /// connection through the client port); empty: `RAY_API_SERVER_ADDRESS`, then
    /// `RAY_ADDRESS`, then `http://localhost:8265`.
    public var address: String
    /// Headers sent with every request (an ingress's auth, a cookie); a name may repeat.
    public var headers: [(name: String, value: String)] = []
    /// Metadata added to every job submitted through the dashboard, over a job's own keys
    /// (as Python merges them).
    public var metadata: [String: String] = [:]
    /// The cluster's token (`RAY_AUTH_MODE=token`), sent as `authorization: Bearer ...`;
    /// never shown in errors or in this value's description. nil: `RAY_AUTH_TOKEN`,
    /// `RAY_AUTH_TOKEN_PATH` or `~/.ray/auth_token`, as for ``RayClient``.
    public var authToken: String?
    /// Path of the PEM file of the CA of an `https` dashboard (nil: the system's roots).
    public var tlsCACert: String?
    /// Accept any certificate of an `https` dashboard (Python's `verify=False`).
    public var tlsInsecure: Bool = false
    /// The longest one request may take (nil: 60 s). Must be positive. Waiting for a job
    /// (``Dashboard/waitJob(_:timeout:)``) and following its log are not one request and
    /// are not bound by it.
    public var timeout: Duration?

    public init(address: String = "") { self.address = address }
}

extension DashboardOptions: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The options with the auth token and the header values masked (`***`): headers
    /// often carry credentials too.
    public var description: String {
        var parts = ["address: \(address.debugDescription)"]
        if !headers.isEmpty { parts.append("headers: [\(headers.map { "\($0.name): ***" }.joined(separator: ", "))]") }
        if !metadata.isEmpty { parts.append("metadata: \(metadata.sorted { $0.key < $1.key })") }
        if authToken != nil { parts.append("authToken: ***") }
        if let tlsCACert { parts.append("tlsCACert: \(tlsCACert.debugDescription)") }
        if tlsInsecure { parts.append("tlsInsecure: true") }
        if let timeout { parts.append("timeout: \(timeout)") }
        return "DashboardOptions(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    /// What `dump` and the debugger show: the fields, masked as in ``description``.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "address": address, "headers": headers.map { "\($0.name): ***" }, "metadata": metadata,
                "authToken": (authToken == nil ? nil : "***") as String? as Any, "tlsCACert": tlsCACert as Any,
                "tlsInsecure": tlsInsecure, "timeout": timeout as Any,
            ], displayStyle: .struct)
    }
}

/// A cluster's dashboard: Ray Jobs (``submitJob(_:)`` and the other job methods, in
/// Dashboard+Jobs) and the cluster's state (``listState(_:_:)`` and the typed lists, in
/// Dashboard+State), over the dashboard's HTTP APIs (Python's `JobSubmissionClient` and
/// `ray.util.state`). Independent of ``RayClient``: it needs no client connection.
///
/// ```swift
/// let dashboard = try await Dashboard(address: "http://127.0.0.1:8265")
/// var job = JobSubmission(entrypoint: "python script.py")
/// try job.setRuntimeEnv(workingDir: "./src")          // zipped and uploaded
/// let id = try await dashboard.submitJob(job)
/// for try await chunk in try await dashboard.tailJobLogs(id) { print(chunk, terminator: "") }
/// print(try await dashboard.jobInfo(id).status)
/// ```
///
/// Ownership: the C handle is the object's, freed when the object goes and no call that
/// is still running on another thread (each holds the object) uses it.
///
/// Thread-safety: `Sendable`; any number of tasks may use one dashboard at once. Every
/// method is `async`: the library's calls block on HTTP requests, so each runs on a
/// thread of its own while the caller suspends. Cancelling the awaiting task ends the
/// wait at once with `CancellationError`; the request itself runs to its end in the
/// background (a stop or a submission sent is not taken back) and its result is dropped.
public final class Dashboard: Sendable {
    /// The C handle's owner, which frees it when the last reference goes: this object's,
    /// or a call's still running on another thread.
    private let handle: OwnedDashboard
    var raw: OpaquePointer { handle.raw }
    /// The dashboard's base URL, e.g. `http://10.0.0.1:8265` (a `ray://` address resolved).
    public let url: String
    /// The Ray release the cluster runs, as its dashboard said when connecting.
    public let rayVersion: String

    private init(adopting handle: OwnedDashboard) {
        self.handle = handle
        func read(_ f: (OpaquePointer?, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> ray_client_status) -> String {
            var s: UnsafePointer<CChar>?
            guard f(handle.raw, &s) == RAY_CLIENT_OK, let s else { return "" }
            return String(cString: s)
        }
        url = read(ray_client_dashboard_url)
        rayVersion = read(ray_client_dashboard_ray_version)
    }

    /// Connects with `options`: resolves the address and asks the dashboard for its Ray
    /// version, so an address where no dashboard answers fails here
    /// (`RayError.connectionFailed`, naming the address); a malformed one is
    /// `.invalidArgument`, a token the cluster refuses `.authenticationFailed`.
    public convenience init(_ options: DashboardOptions) async throws {
        let handle = try await blocking { try options.connect() }
        self.init(adopting: handle)
    }

    /// Connects to `address` with default options (see ``DashboardOptions/address``).
    public convenience init(address: String) async throws {
        try await self.init(DashboardOptions(address: address))
    }
}

extension Dashboard: CustomStringConvertible {
    public var description: String { "Dashboard(\(url), Ray \(rayVersion))" }
}

/// Owns a C dashboard handle and frees it in `deinit`. A class of its own so that a
/// handle connected for a task that was cancelled meanwhile is freed with the dropped
/// result. `Sendable`: the C handle is thread-safe and never changes.
final class OwnedDashboard: @unchecked Sendable {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { ray_client_dashboard_free(raw) }
}

extension DashboardOptions {
    /// Builds the C options and connects (blocking: one HTTP request, or a Ray Client
    /// connection for a `ray://` address).
    func connect() throws -> OwnedDashboard {
        var o: OpaquePointer?
        try withCString(address, "address") { try check(ray_client_dashboard_options_new($0, &o)) }
        let opts = o!
        defer { ray_client_dashboard_options_free(opts) }
        try addPairs(headers, "header") { ray_client_dashboard_options_add_header(opts, $0, $1) }
        for (k, v) in metadata {
            try withCString(k, "metadata key") { k in
                try withCString(v, "metadata value") { v in
                    try check(ray_client_dashboard_options_add_metadata(opts, k, v))
                }
            }
        }
        if let token = authToken {
            try withCString(token, "auth token") { try check(ray_client_dashboard_options_set_auth_token(opts, $0)) }
        }
        if tlsCACert != nil || tlsInsecure {
            try withOptionalCString(tlsCACert, "TLS CA certificate path") {
                try check(ray_client_dashboard_options_set_tls(opts, $0, tlsInsecure ? 1 : 0))
            }
        }
        if let t = timeout {
            // Zero goes through: the library refuses it with its own message.
            try check(ray_client_dashboard_options_set_timeout_ms(opts, UInt64(try milliseconds(t, "dashboard timeout"))))
        }
        var d: OpaquePointer?
        try check(ray_client_dashboard_connect(opts, &d))
        return OwnedDashboard(d!)
    }
}

/// Runs `body`, which blocks in the library (an HTTP request to the dashboard, the next
/// chunk of a followed log), on a thread of its own, and suspends the caller until it
/// returns. A fresh thread, not Swift's cooperative pool (whose few threads a blocked call
/// would take from every other task) nor a Dispatch global queue (whose thread limit
/// followed logs, each waiting as long as its job runs, could exhaust). `body` makes its C calls and reads their errors
/// (`check`) on that thread, where the library keeps the last error.
///
/// Cancelling the awaiting task resumes it at once with `CancellationError`; `body` runs
/// on to its end and its result is dropped, so results that own C memory must free it
/// when dropped (`OwnedDashboard`, `LogTail.Handle`), and whatever `body` uses stays alive through its
/// captures.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let completion = Completion<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
            guard completion.install(cont) else { return }
            let thread = Thread { completion.finish(Result { try body() }) }
            thread.name = "ray-client-dashboard"
            thread.start()
        }
    } onCancel: {
        completion.finish(.failure(CancellationError()))
    }
}

extension RayError {
    /// JSON from the library that does not decode as documented (a bug or a dashboard
    /// newer than this binding).
    static func badJSON(_ what: String, _ error: Error, _ text: String) -> RayError {
        .protocolError(
            RayErrorDetails(
                code: RAY_CLIENT_ERROR_PROTOCOL.rawValue, kind: "protocol",
                message: "\(what): unexpected JSON from the library (\(error)): \(text.prefix(500))"))
    }
}

/// Decodes JSON text the library returned; a failure is `RayError.protocolError`.
func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, _ what: String) throws -> T {
    do {
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    } catch {
        throw RayError.badJSON(what, error, text)
    }
}

/// Any JSON value as a ``RayValue`` (object: `.dict` with string keys, sorted; array:
/// `.list`; number: `.int` when it is a whole number that fits, else `.float`; string,
/// bool, null), read through `JSONDecoder`: the untyped parts of the dashboard's answers
/// (a job's runtime env, every record's `raw`), like ``RayClient/nodes()``'s.
struct JSONAny: Decodable {
    let value: RayValue

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        init(_ s: String) { stringValue = s }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        if let c = try? decoder.container(keyedBy: Key.self) {
            let keys = c.allKeys.sorted { $0.stringValue < $1.stringValue }
            value = .dict(try keys.map { (key: .string($0.stringValue), value: try c.decode(JSONAny.self, forKey: $0).value) })
        } else if var u = try? decoder.unkeyedContainer() {
            var items: [RayValue] = []
            while !u.isAtEnd { items.append(try u.decode(JSONAny.self).value) }
            value = .list(items)
        } else {
            let s = try decoder.singleValueContainer()
            if s.decodeNil() {
                value = .none
            } else if let b = try? s.decode(Bool.self) {
                value = .bool(b)
            } else if let i = try? s.decode(Int64.self) {
                value = .int(i)
            } else if let d = try? s.decode(Double.self) {
                value = .float(d)
            } else {
                value = .string(try s.decode(String.self))
            }
        }
    }
}
