import Foundation
import Testing

@testable import RayClient

/// Shared state of the tests: the cluster's address and one client connected to it.
///
/// The tests run against the real cluster at `RAY_TEST_ADDRESS` (tests/harness/ray-cluster
/// or tests/run-swift start one); without it every test fails, none is skipped.
enum Fixture {
    struct MissingAddress: Error, CustomStringConvertible {
        var description: String {
            "RAY_TEST_ADDRESS is not set: start a cluster with tests/harness/ray-cluster start DIR and source DIR/env, or run tests/run-swift"
        }
    }

    static func address() throws -> String {
        guard let a = ProcessInfo.processInfo.environment["RAY_TEST_ADDRESS"], !a.isEmpty else {
            throw MissingAddress()
        }
        return a
    }

    /// The repository's tests/python, shipped as the job's working_dir so the cluster can
    /// import rc_test_tasks.
    static let testModules: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // RayClientTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // swift
        .deletingLastPathComponent()  // bindings
        .deletingLastPathComponent()  // repo
        .appendingPathComponent("tests/python").path

    /// Options every test client uses: the test modules as working_dir, a namespace.
    static func options(namespace: String = "swift-tests") throws -> ConnectOptions {
        var o = ConnectOptions(address: try address())
        o.namespace = namespace
        try o.setRuntimeEnv(workingDir: testModules)
        return o
    }

    nonisolated(unsafe) private static var shared: RayClient?
    private static let lock = NSLock()

    /// One client for the tests that need no special connection (connecting starts a
    /// server process per client on the cluster: slow on a small machine).
    static func client() throws -> RayClient {
        lock.lock()
        defer { lock.unlock() }
        if let c = shared { return c }
        let c = try RayClient(try options())
        shared = c
        return c
    }

    /// A name no other test (or earlier run) uses.
    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Polls `condition` every 100 ms, up to `attempts` times (for effects the cluster
    /// applies asynchronously: streamed logs, a killed actor's death).
    static func eventually(_ attempts: Int = 600, _ condition: () throws -> Bool) async rethrows -> Bool {
        for _ in 0..<attempts {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return try condition()
    }
}

/// The function `qualname` of tests/python/rc_test_tasks.py (importable on the cluster:
/// every test client ships tests/python as its working_dir).
func task(_ qualname: String) throws -> RemoteFunction {
    try RemoteFunction(module: "rc_test_tasks", qualname: qualname)
}

/// The class `qualname` of tests/python/rc_test_tasks.py.
func actorClass(_ qualname: String) throws -> ActorClass {
    try ActorClass(module: "rc_test_tasks", qualname: qualname)
}

/// Kills `actor` (no restart) and returns the error a call of its argument-less `method`
/// fails with once the kill took effect: ray.kill is asynchronous, so a call sent right
/// after it may still be served. Calls every 100 ms, 100 times at most (nil if the actor
/// kept answering).
func errorOnceKilled(_ c: RayClient, _ actor: ActorHandle, method: String) async throws -> RayError? {
    try c.kill(actor)
    for _ in 0..<100 {
        do {
            _ = try await c.get(c.call(actor, method: method))
            try await Task.sleep(for: .milliseconds(100))
        } catch let e as RayError {
            return e
        }
    }
    return nil
}

/// A thread-safe list, for what callbacks on the library's I/O thread collect.
final class Collected<T: Sendable>: @unchecked Sendable {
    private var items: [T] = []
    private let lock = NSLock()
    func append(_ x: T) { lock.lock(); items.append(x); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Expects `body` to throw a RayError matching `matches`, and returns it.
@discardableResult
func expectRayError(
    _ matches: (RayError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> RayError? {
    do {
        try await body()
        Issue.record("expected a RayError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let e as RayError {
        #expect(matches(e), "unexpected error \(e)", sourceLocation: sourceLocation)
        return e
    } catch {
        Issue.record("expected a RayError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension RayError {
    var isInvalidArgument: Bool { if case .invalidArgument = self { return true } else { return false } }
    var isTypeMismatch: Bool { if case .typeMismatch = self { return true } else { return false } }
    var isTimeout: Bool { if case .timeout = self { return true } else { return false } }
    var isTaskError: Bool { if case .taskError = self { return true } else { return false } }
    var isConnectionLost: Bool { if case .connectionLost = self { return true } else { return false } }
    var isConnectionFailed: Bool { if case .connectionFailed = self { return true } else { return false } }
    var isActorDied: Bool { if case .actorDied = self { return true } else { return false } }
    var isTaskCancelled: Bool { if case .taskCancelled = self { return true } else { return false } }
    var isPickle: Bool { if case .pickle = self { return true } else { return false } }
}
