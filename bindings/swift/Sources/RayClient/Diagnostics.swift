import CRayClient
import Foundation

/// How much one of the library's diagnostics matters; a handler set to a level gets that
/// level and the more important ones.
public enum DiagnosticLevel: Int32, Sendable, Comparable, CaseIterable {
    case off = 0, error, warn, info, debug, trace

    public static func < (a: DiagnosticLevel, b: DiagnosticLevel) -> Bool { a.rawValue < b.rawValue }
}

/// One of the library's own diagnostics: a broken connection and its recovery, giving up,
/// retried connects and calls, version warnings, and at `.debug` each connect's steps and
/// uploads. The message never carries a token or a header's value.
public struct Diagnostic: Sendable, CustomStringConvertible {
    public let level: DiagnosticLevel
    /// `ray_client::connection`, `ray_client::connect`, `ray_client::version`,
    /// `ray_client::runtime_env`.
    public let target: String
    public let message: String

    public var description: String { "\(level) \(target): \(message)" }
}

/// Where the library's diagnostics go, for the whole process. By default this process's
/// stderr, warnings and errors only (the environment variable `RAY_CLIENT_LOG=off|error|
/// warn|info|debug|trace` changes that).
///
/// A handler runs on the thread where the event happens, often the library's I/O thread:
/// it must return quickly and make no blocking calls. Every handler given is kept for the
/// rest of the process (a replaced one may still be running as it is replaced).
public enum Diagnostics {
    private final class Box: @unchecked Sendable {
        let body: @Sendable (Diagnostic) -> Void
        init(_ body: @escaping @Sendable (Diagnostic) -> Void) { self.body = body }
    }

    nonisolated(unsafe) private static var kept: [Box] = []
    private static let lock = NSLock()

    /// Hands the diagnostics at `level` and more important to `handler` from now on.
    public static func setHandler(level: DiagnosticLevel = .warn, _ handler: @escaping @Sendable (Diagnostic) -> Void) throws {
        let box = Box(handler)
        lock.lock()
        kept.append(box)
        lock.unlock()
        try check(
            ray_client_diagnostics_set(
                { user, level, target, message in
                    guard let user else { return }
                    let box = Unmanaged<Box>.fromOpaque(user).takeUnretainedValue()
                    box.body(
                        Diagnostic(
                            level: DiagnosticLevel(rawValue: level) ?? .trace,
                            target: target.map { String(cString: $0) } ?? "",
                            message: message.map { String(cString: $0) } ?? ""))
                }, Unmanaged.passUnretained(box).toOpaque(), level.rawValue))
    }

    /// Diagnostics back to this process's stderr, at `level` and more important.
    public static func reset(level: DiagnosticLevel = .warn) throws {
        try check(ray_client_diagnostics_set(nil, nil, level.rawValue))
    }
}
