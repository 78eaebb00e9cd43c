import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// Connecting with options, logs, disconnecting (explicitly and on deinit), failures.
    @Suite struct ConnectionTests {
        @Test func connectOptionsAndInfo() async throws {
            var o = try Fixture.options(namespace: "swift-connect")
            o.connectTimeout = .seconds(120)
            o.reconnectGracePeriod = .seconds(10)
            o.ignoreVersionMismatch = true
            o.logs = .off
            try o.setRuntimeEnv(workingDir: Fixture.testModules, envVars: ["RC_SWIFT_ENV": "on-connect"])
            let c = try RayClient(o)
            #expect(c.isConnected)
            let info = try c.clientInfo()
            #expect(info.namespace == "swift-connect")
            #expect(info.clientID.count == 32 && info.clientID.allSatisfy(\.isHexDigit))
            #expect(info.address.contains(try Fixture.address().replacingOccurrences(of: "ray://", with: "")))
            let server = try c.serverInfo()
            #expect(server.rayVersion == "2.60.0")
            #expect(server.pythonVersion.hasPrefix("3."))
            #expect(!server.rayCommit.isEmpty)
            #expect(server.numClients >= 1)
            // The job's runtime env reaches tasks.
            #expect(try await c.get(c.call(task("env_var"), ["RC_SWIFT_ENV"]), as: String.self) == "on-connect")

            try c.disconnect()
            #expect(!c.isConnected)
            try c.disconnect()  // idempotent
            await expectRayError({ $0.isConnectionLost }) { _ = try c.put(1) }
            await expectRayError({ $0.isConnectionLost }) { try c.ping() }
        }

        @Test func refsOfADisconnectedClientFail() async throws {
            let c = try RayClient(try Fixture.options())
            let r = try c.put("x")
            let pending = try c.call(task("sleep_then"), [600.0, 1])
            let waiting = Task { try await c.get(pending) }
            try c.disconnect()
            await expectRayError({ $0.isConnectionLost }) { _ = try await c.get(r) }
            // A get in flight when the connection closed fails too (it does not hang).
            await expectRayError({ $0.isConnectionLost }) { _ = try await waiting.value }
        }

        @Test func deinitDisconnects() async throws {
            let shared = try Fixture.client()
            let name = Fixture.unique("swift-owned")
            var keep: ObjectRef?
            do {
                let c = try RayClient(try Fixture.options())
                var o = Options()
                o.name = name
                o.numCPUs = 0
                let a = try c.createActor(actorClass("Counter"), options: o)
                #expect(try await c.get(c.call(a, method: "incr"), as: Int.self) == 1)
                #expect(try shared.actor(named: name) == a)
                keep = try c.put(1)  // a ref outliving the client does not keep it connected
            }
            // The client is gone: its job ended, so its (non-detached) actor goes too.
            let gone = await Fixture.eventually { (try? shared.actor(named: name)) == nil }
            #expect(gone)
            withExtendedLifetime(keep) {}
        }

        @Test func logsReachTheCallback() async throws {
            let lines = Collected<LogRecord>()
            var o = try Fixture.options()
            o.logs = .callback { lines.append($0) }
            let c = try RayClient(o)
            let marker = Fixture.unique("swift-log")
            #expect(try await c.get(c.call(task("shout"), [marker]), as: Int.self) == marker.count)
            let both = await Fixture.eventually {
                let all = lines.all
                return all.contains { $0.source == .stdout && $0.message.contains(marker) }
                    && all.contains { $0.source == .stderr && $0.message.contains(marker + " on stderr") }
            }
            #expect(both, "\(lines.all)")
        }

        /// The job's logging (Python's `ray.init(logging_config=..., log_to_driver=...,
        /// logging_level=...)`): a JSON configuration formats and filters the workers'
        /// records; `logToDriver = false` keeps a task's output on the cluster; bad values
        /// are refused.
        @Test func theJobsLoggingConfigLogToDriverAndLevel() async throws {
            /// The first line holding `marker`, waited for without a time limit.
            func line(_ lines: Collected<LogRecord>, _ marker: String) async -> String {
                while true {
                    if let l = lines.all.first(where: { $0.message.contains(marker) }) { return l.message }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            let lines = Collected<LogRecord>()
            var o = try Fixture.options()
            o.logs = .callback { lines.append($0) }
            o.loggingConfig = LoggingConfig(encoding: .json, logLevel: "debug", additionalLogStandardAttrs: ["name"])
            // This client also hears the control output below.
            o.loggingLevel = "debug"
            let c = try RayClient(o)
            let marker = Fixture.unique("swift-debug-record")
            // The workers' root logger is at DEBUG, as configured (Ray's default is INFO).
            #expect(try await c.get(c.call(task("log_record"), ["rc_swift_log", 10, marker]), as: Int.self) == 10)
            let text = await line(lines, marker)
            let json = text[text.firstIndex(of: "{")!...]
            let record = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(record?["message"] as? String == marker, "\(text)")
            #expect(record?["levelname"] as? String == "DEBUG", "\(text)")
            #expect(record?["name"] as? String == "rc_swift_log", "\(text)")

            let quietLines = Collected<LogRecord>()
            var q = try Fixture.options()
            q.logs = .callback { quietLines.append($0) }
            q.logToDriver = false
            #expect(q.description.contains("logToDriver: false") && o.description.contains("loggingLevel"))
            let quiet = try RayClient(q)
            let unheard = Fixture.unique("swift-unheard"), control = Fixture.unique("swift-heard")
            _ = try await quiet.get(quiet.call(task("shout"), [unheard]))
            // The same output from a client that hears it, after the quiet one's: once it
            // has arrived, the quiet one's had its chance too (and two seconds more).
            _ = try await c.get(c.call(task("shout"), [control]))
            _ = await line(lines, control)
            try await Task.sleep(for: .seconds(2))
            #expect(!quietLines.all.contains { $0.message.contains(unheard) })

            var bad = try Fixture.options()
            bad.loggingLevel = "loud"
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("not a logging level") }) {
                _ = try RayClient(bad)
            }
            bad.loggingLevel = nil
            bad.loggingConfig = LoggingConfig(additionalLogStandardAttrs: ["colour"])
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(bad) }
        }

        /// The library's diagnostics to a Swift handler: each connect's steps at `.debug`,
        /// with their target, never a header's value; nothing at `.off`.
        @Test func diagnosticsReachTheHandler() async throws {
            let seen = Collected<Diagnostic>()
            try Diagnostics.setHandler(level: .debug) { seen.append($0) }
            defer { try? Diagnostics.reset() }
            var o = try Fixture.options()
            o.logs = .off
            o.headers = [("x-rc-secret", "swift-header-secret")]
            let c = try RayClient(o)
            let id = try c.clientInfo().clientID
            #expect(
                seen.all.contains {
                    $0.level == .debug && $0.target == "ray_client::connect" && $0.message.contains("connected to")
                        && $0.message.contains(id)
                }, "\(seen.all)")
            #expect(!seen.all.contains { $0.message.contains("swift-header-secret") })
            try Diagnostics.setHandler(level: .off) { seen.append($0) }
            let before = seen.all.count
            _ = try RayClient(o)
            #expect(seen.all.count == before)
        }

        @Test func connectFailures() async throws {
            // Nothing listens on port 1.
            var o = ConnectOptions(address: "ray://127.0.0.1:1")
            o.connectTimeout = .seconds(2)
            await expectRayError({ $0.isConnectionFailed && $0.message.contains("127.0.0.1:1") }) {
                _ = try RayClient(o)
            }
            await expectRayError({ $0.isInvalidArgument || $0.isConnectionFailed }) {
                _ = try RayClient(address: "ray://not an address:x")
            }
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("NUL") }) {
                _ = try RayClient(address: "ray://127.0.0.1\u{0}:10001")
            }
            var neg = ConnectOptions(address: try Fixture.address())
            neg.connectTimeout = .seconds(-1)
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(neg) }
            var badEnv = ConnectOptions(address: try Fixture.address())
            badEnv.runtimeEnvJSON = "[1, 2]"
            await expectRayError({ _ in true }) { _ = try RayClient(badEnv) }
        }

        @Test func noHandlesLeak() async throws {
            let before = RayClient.liveHandles
            do {
                let c = try Fixture.client()
                let r = try c.put(["a": [1, 2], "b": [3]])
                _ = try await c.get(r)
                _ = try await c.get([r, r])
                _ = try await c.wait([r])
                _ = try await c.get(c.call(task("pair"), [1], returns: 2))
                // Functions, classes and their copies with options, and refused calls.
                var o = Options()
                o.numCPUs = 0
                let f = try task("add").withOptions(o)
                _ = try await c.get(c.call(f, [1, 2]))
                _ = try? c.call(f, [1], kwargs: ["b": 1, "b": 2])
                _ = try? c.call(f, [1], returns: -1)
                let a = try c.createActor(actorClass("Counter").withOptions(o))
                _ = try await c.get(c.call(a, method: "pair", returns: 2))
                try c.kill(a)
                _ = try c.kvList(prefix: Data("nothing-here".utf8))
                _ = try? await c.get(c.call(task("boom"), [1]))
            }
            #expect(RayClient.liveHandles == before)
        }
    }
}
