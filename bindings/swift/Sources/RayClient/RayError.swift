// Errors: RayError, a case per kind of failure, each with RayErrorDetails (status code,
// kind, message, the remote exception), made from the library's error handles; and
// `check`, which throws the error of a failed C call.
import CRayClient
import Foundation

/// What the library said about a failure: its status code, its kind and message and, for
/// failures on the cluster, the remote exception.
public struct RayErrorDetails: Sendable, Equatable, CustomStringConvertible {
    /// The C status code (`RAY_CLIENT_ERROR_*`, negative: the raw value of `ray_client_status`).
    public var code: Int32
    /// A short stable name of the kind: `"timeout"`, `"task_error"`, `"invalid_argument"`, ...
    public var kind: String
    /// The human-readable message, as Python prints the exception (`get: KeyError: 'x'`).
    public var message: String
    /// For failures on the cluster, the qualified Python type of the exception the server
    /// sent, e.g. `ray.exceptions.RayTaskError(ValueError)`.
    public var remoteType: String?
    /// For task errors, the user's exception type, e.g. `ValueError`.
    public var causeType: String?
    /// The remote traceback text, when the server sent one.
    public var traceback: String?
    /// For failures on the cluster, the exception's own text, as Python's `str(e)` gives
    /// it: `'x'` for `KeyError('x')` (for task errors, the user's exception's).
    public var remoteMessage: String?

    public init(
        code: Int32, kind: String, message: String, remoteType: String? = nil,
        causeType: String? = nil, traceback: String? = nil, remoteMessage: String? = nil
    ) {
        self.code = code
        self.kind = kind
        self.message = message
        self.remoteType = remoteType
        self.causeType = causeType
        self.traceback = traceback
        self.remoteMessage = remoteMessage
    }

    public var description: String {
        var s = "\(kind): \(message)"
        if let remoteType { s += " [\(remoteType)]" }
        return s
    }
}

/// Every failure of the binding. Each case carries the details; `details` reads them
/// whatever the case.
///
/// Failures of remote code are `.taskError` with `details.remoteType`, `causeType` and
/// `traceback` set; failures detected in Swift before calling the library (a string with
/// a NUL, a negative timeout, a value of the wrong type) are `.invalidArgument` or
/// `.typeMismatch`.
public enum RayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Unusable input: a bad address, an empty name, a string with a NUL, an absurd size,
    /// a ref of another client, a negative timeout (also the library's null/invalid
    /// handle and UTF-8 errors).
    case invalidArgument(RayErrorDetails)
    /// The cluster could not be reached.
    case connectionFailed(RayErrorDetails)
    /// An established connection broke, or the client was disconnected.
    case connectionLost(RayErrorDetails)
    /// The server runs a Ray version this client was not tested against.
    case versionMismatch(RayErrorDetails)
    /// The server refused the connection setup.
    case initFailed(RayErrorDetails)
    /// The cluster requires token authentication and the token is missing or wrong (see
    /// `ConnectOptions.authToken`); the message never shows the token.
    case authenticationFailed(RayErrorDetails)
    /// What was asked for does not exist on the cluster (an unknown job id).
    case notFound(RayErrorDetails)
    /// A get or wait did not finish within its timeout.
    case timeout(RayErrorDetails)
    /// A remote task or actor method raised; see `details.remoteType`, `causeType`, `traceback`.
    case taskError(RayErrorDetails)
    /// The actor that should run a method is dead.
    case actorDied(RayErrorDetails)
    /// An object's value is lost.
    case objectLost(RayErrorDetails)
    /// The task was cancelled (``RayClient/cancel(_:force:recursive:)``), kind
    /// `task_cancelled`: not a `.taskError`. A task cancelled while running carries
    /// `causeType` `TaskCancelledError` and Ray's text (`Task: TaskID(...) was cancelled.`).
    case taskCancelled(RayErrorDetails)
    /// The server failed a request for another reason.
    case serverError(RayErrorDetails)
    /// A value could not be pickled or unpickled.
    case pickle(RayErrorDetails)
    /// The server's reply did not follow the protocol.
    case protocolError(RayErrorDetails)
    /// A bug in the library (including a caught panic).
    case internalError(RayErrorDetails)
    /// A Ray value could not be converted to the Swift type asked for.
    case typeMismatch(RayErrorDetails)

    /// The details, whatever the case.
    public var details: RayErrorDetails {
        switch self {
        case .invalidArgument(let d), .connectionFailed(let d), .connectionLost(let d),
            .versionMismatch(let d), .initFailed(let d), .authenticationFailed(let d), .notFound(let d), .timeout(let d), .taskError(let d),
            .actorDied(let d), .objectLost(let d), .taskCancelled(let d), .serverError(let d),
            .pickle(let d), .protocolError(let d), .internalError(let d), .typeMismatch(let d):
            return d
        }
    }

    /// The C status code (`RAY_CLIENT_ERROR_*`).
    public var code: Int32 { details.code }
    /// The kind's stable name (`"timeout"`, `"task_error"`, ...).
    public var kind: String { details.kind }
    /// The message.
    public var message: String { details.message }
    /// The remote exception type, for failures on the cluster.
    public var remoteType: String? { details.remoteType }
    /// The user's exception type, for task errors.
    public var causeType: String? { details.causeType }
    /// The remote traceback, when there is one.
    public var traceback: String? { details.traceback }
    /// The remote exception's own text (Python's `str(e)`), for failures on the cluster.
    public var remoteMessage: String? { details.remoteMessage }

    public var description: String { "RayError.\(details)" }

    /// The case for a C status code.
    public init(_ d: RayErrorDetails) {
        switch ray_client_status(rawValue: d.code) {
        case RAY_CLIENT_ERROR_CONNECTION_FAILED: self = .connectionFailed(d)
        case RAY_CLIENT_ERROR_CONNECTION_LOST: self = .connectionLost(d)
        case RAY_CLIENT_ERROR_VERSION_MISMATCH: self = .versionMismatch(d)
        case RAY_CLIENT_ERROR_INIT_FAILED: self = .initFailed(d)
        case RAY_CLIENT_ERROR_AUTHENTICATION_FAILED: self = .authenticationFailed(d)
        case RAY_CLIENT_ERROR_NOT_FOUND: self = .notFound(d)
        case RAY_CLIENT_ERROR_TIMEOUT: self = .timeout(d)
        case RAY_CLIENT_ERROR_TASK_ERROR: self = .taskError(d)
        case RAY_CLIENT_ERROR_ACTOR_DIED: self = .actorDied(d)
        case RAY_CLIENT_ERROR_OBJECT_LOST: self = .objectLost(d)
        case RAY_CLIENT_ERROR_TASK_CANCELLED: self = .taskCancelled(d)
        case RAY_CLIENT_ERROR_SERVER_ERROR: self = .serverError(d)
        case RAY_CLIENT_ERROR_PICKLE: self = .pickle(d)
        case RAY_CLIENT_ERROR_PROTOCOL: self = .protocolError(d)
        case RAY_CLIENT_ERROR_INTERNAL, RAY_CLIENT_ERROR_PANIC: self = .internalError(d)
        default: self = .invalidArgument(d)
        }
    }

    /// An error found in Swift, before the library was called.
    static func invalid(_ message: String) -> RayError {
        .invalidArgument(
            RayErrorDetails(code: RAY_CLIENT_ERROR_INVALID_ARGUMENT.rawValue, kind: "invalid_argument", message: message))
    }

    static func mismatch(_ message: String) -> RayError {
        .typeMismatch(
            RayErrorDetails(code: RAY_CLIENT_ERROR_INVALID_ARGUMENT.rawValue, kind: "type_mismatch", message: message))
    }

    /// Reads an error handle (without freeing it).
    static func from(handle e: OpaquePointer) -> RayError {
        func opt(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }
        return RayError(
            RayErrorDetails(
                code: ray_client_error_code(e).rawValue,
                kind: opt(ray_client_error_kind(e)) ?? "unknown",
                message: opt(ray_client_error_message(e)) ?? "",
                remoteType: opt(ray_client_error_remote_type(e)),
                causeType: opt(ray_client_error_cause_type(e)),
                traceback: opt(ray_client_error_traceback(e)),
                remoteMessage: opt(ray_client_error_remote_message(e))))
    }

    /// Takes an error handle the library handed over, frees it.
    static func adopt(_ e: OpaquePointer?) -> RayError {
        guard let e else {
            return .internalError(
                RayErrorDetails(code: RAY_CLIENT_ERROR_INTERNAL.rawValue, kind: "internal", message: "missing error"))
        }
        defer { ray_client_error_free(e) }
        return from(handle: e)
    }

    /// The last failure on this thread. Called right after the failing C call, with no
    /// suspension point between, so the thread-local error is the one of that call.
    static func last(_ status: ray_client_status) -> RayError {
        var e: OpaquePointer?
        if ray_client_last_error(&e) == RAY_CLIENT_OK, let e {
            return adopt(e)
        }
        return RayError(
            RayErrorDetails(
                code: status.rawValue, kind: "unknown", message: String(cString: ray_client_last_error_message())))
    }
}

extension RayError: LocalizedError {
    /// The library's message (Foundation's `localizedDescription` shows it).
    public var errorDescription: String? { message }
}

/// Throws the last error of this thread unless `status` is `RAY_CLIENT_OK`. Every C call
/// that can fail goes through here (or through `RayError.last` where the failure is
/// handed on instead of thrown): the one place where the C ABI's typed status
/// (`ray_client_status`, a C enum imported as a struct over its `Int32` raw value) turns
/// into a `RayError`.
@inline(__always)
func check(_ status: ray_client_status) throws(RayError) {
    if status != RAY_CLIENT_OK { throw RayError.last(status) }
}
