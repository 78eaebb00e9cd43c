import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// Remote functions by module name and from source, arguments, options, errors.
    @Suite struct TaskTests {
        @Test func byNameWithPositionalAndKeywordArguments() async throws {
            let c = try Fixture.client()
            #expect(try await c.get(c.call(task("add"), [1, 2]), as: Int.self) == 3)
            #expect(try await c.get(c.call(task("add"), [1, 2], kwargs: ["c": 3]), as: Int.self) == 6)
            let echoed = try await c.get(c.call(task("echo"), ["a", 2.5], kwargs: ["z": 1, "y": [true]]))
            #expect(echoed["args"] == ["a", 2.5])
            // Keyword arguments keep their order (== compares dicts in any order, as Python).
            #expect(echoed["kwargs"] == .dict([(key: "z", value: 1), (key: "y", value: [true])]))
            if case .dict(let kw) = echoed["kwargs"] { #expect(kw.map(\.key) == ["z", "y"]) } else { Issue.record("no kwargs") }
            #expect(try await c.get(c.call(task("nop"))) == .none)
        }

        @Test func fromSourceWithOptions() async throws {
            let c = try Fixture.client()
            let src = """
                def scaled(xs, factor=1):
                    import os
                    return [x * factor for x in xs] + [os.environ.get("SWIFT_MARK")]
                """
            var o = Options()
            o.numCPUs = 0.5
            o.runtimeEnvJSON = #"{"env_vars": {"SWIFT_MARK": "from-options"}}"#
            let scaled = try RemoteFunction(source: src, name: "scaled")
            let r = try c.call(scaled, [RayValue.list([1, 2])], kwargs: ["factor": 10], options: o)
            #expect(try await c.get(r) == [10, 20, "from-options"])
            let two = try RemoteFunction(source: "def two(x):\n    return x, -x\n", name: "two")
            let pair = try c.call(two, [4], options: Options(), returns: 2)
            #expect(try await c.get(pair, as: Int.self) == [4, -4])
        }

        @Test func multipleReturns() async throws {
            let c = try Fixture.client()
            let refs = try c.call(task("pair"), [3], returns: 2)
            #expect(refs.count == 2)
            #expect(try await c.get(refs, as: Int.self) == [3, 4])
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(task("pair"), [3], returns: -1) }
        }

        @Test func remoteExceptionsCarryTheirDetails() async throws {
            let c = try Fixture.client()
            let r = try c.call(task("boom"), [12])
            let e = await expectRayError({ $0.isTaskError }) { _ = try await c.get(r) }
            #expect(e?.kind == "task_error")
            #expect(e?.code == -7)
            #expect(e?.causeType?.contains("ValueError") == true)
            #expect(e?.remoteType?.contains("RayTaskError") == true, "\(String(describing: e?.remoteType))")
            #expect(e?.message.contains("bad value 12") == true)
            #expect(e?.traceback?.contains("boom") == true, "\(String(describing: e?.traceback))")
            // A source function that raises.
            let s = try c.call(RemoteFunction(source: "def f():\n    raise KeyError('nope')\n", name: "f"))
            let k = await expectRayError({ $0.isTaskError }) { _ = try await c.get(s) }
            #expect(k?.causeType?.contains("KeyError") == true)
        }

        @Test func resourceOptionsAreApplied() async throws {
            let c = try Fixture.client()
            // A resource no node has: the task cannot be scheduled, so the get times out.
            var none = Options()
            none.resources = ["rc_swift_nowhere": 1]
            let stuck = try c.call(task("square"), [2], options: none)
            await expectRayError({ $0.isTimeout }) { _ = try await c.get(stuck, timeout: .seconds(2)) }
            try c.cancel(stuck)

            var o = Options()
            o.numCPUs = 1
            o.numGPUs = 0
            o.memory = 10 * 1024 * 1024
            o.name = "swift-task"
            o.maxRetries = 0
            o.scheduling = .spread
            let ctx = try await c.get(c.call(task("task_resources"), options: o))
            #expect(ctx["resources"]?["CPU"] == 1.0, "\(ctx)")
            o.scheduling = .default
            #expect(try await c.get(c.call(task("square"), [5], options: o), as: Int.self) == 25)
        }

        @Test func nodeAffinityAndExtraOptions() async throws {
            let c = try Fixture.client()
            let nodes = try c.nodes()
            guard let node = nodes.first(where: { $0["Alive"] == true }), case .string(let id)? = node["NodeID"] else {
                Issue.record("no live node in \(nodes)")
                return
            }
            var o = try Options().setting("enable_task_events", false)
            o.scheduling = .nodeAffinity(nodeID: id, soft: false)
            #expect(try await c.get(c.call(task("node_id"), options: o), as: String.self) == id)
            var bad = Options()
            bad.extra = [(key: "no_such_option", value: 1)]
            await expectRayError({ $0.message.contains("no_such_option") }) {
                _ = try await c.get(c.call(task("nop"), options: bad))
            }
        }

        @Test func retriesOnExceptions() async throws {
            let c = try Fixture.client()
            let marker = URL(fileURLWithPath: Fixture.testModules)
                .deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".cache/\(Fixture.unique("swift-fail-once"))").path
            defer { try? FileManager.default.removeItem(atPath: marker) }
            var o = Options()
            o.maxRetries = 2
            o.retryExceptions = true
            #expect(try await c.get(c.call(task("fail_once"), [marker], options: o), as: String.self) == "second attempt")
            let other = marker + "-no-retry"
            defer { try? FileManager.default.removeItem(atPath: other) }
            o.retryExceptions = false
            await expectRayError({ $0.isTaskError && $0.message.contains("first attempt fails") }) {
                _ = try await c.get(c.call(task("fail_once"), [other], options: o))
            }
        }

        @Test func badCallsAreRefused() async throws {
            let c = try Fixture.client()
            // Unusable names are refused when the function is made, before any call.
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("NUL") }) {
                _ = try RemoteFunction(module: "rc_test_tasks\u{0}x", qualname: "square")
            }
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("NUL") }) {
                _ = try RemoteFunction(source: "def f():\n    pass\n", name: "f\u{0}")
            }
            await expectRayError({ $0.isInvalidArgument }) { _ = try RemoteFunction(module: "", qualname: "square") }
            await expectRayError({ $0.isInvalidArgument }) { _ = try RemoteFunction(module: "rc_test_tasks", qualname: "") }
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("not a Python identifier") }) {
                _ = try RemoteFunction(source: "def f():\n    pass\n", name: "not a name")
            }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(task("square"), [1], kwargs: ["": 1]) }
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("NUL") }) {
                _ = try c.call(task("add"), [1], kwargs: ["b\u{0}": 1])
            }
            var o = Options()
            o.runtimeEnvJSON = "{not json"
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(task("square"), [1], options: o) }
            o = Options()
            o.resources = ["bad\u{0}name": 1]
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(task("square"), [1], options: o) }
            // A module that does not exist: the server refuses the call.
            await expectRayError({ $0.message.contains("rc_no_such_module") }) {
                _ = try await c.get(c.call(RemoteFunction(module: "rc_no_such_module", qualname: "f")))
            }
            // Python source that does not compile.
            await expectRayError({ _ in true }) {
                _ = try await c.get(c.call(RemoteFunction(source: "def (:\n", name: "f")))
            }
        }
    }
}
