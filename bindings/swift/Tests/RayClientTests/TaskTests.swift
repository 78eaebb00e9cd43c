import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// Remote functions by module name and from source, arguments, options, errors.
    @Suite struct TaskTests {
        @Test func byNameWithPositionalAndKeywordArguments() async throws {
            let c = try Fixture.client()
            #expect(try await c.get(c.call("rc_test_tasks", "add", [1, 2]), as: Int.self) == 3)
            #expect(try await c.get(c.call("rc_test_tasks", "add", [1, 2], kwargs: ["c": 3]), as: Int.self) == 6)
            let echoed = try await c.get(c.call("rc_test_tasks", "echo", ["a", 2.5], kwargs: ["z": 1, "y": [true]]))
            #expect(echoed["args"] == ["a", 2.5])
            // Keyword arguments keep their order (== compares dicts in any order, as Python).
            #expect(echoed["kwargs"] == .dict([(key: "z", value: 1), (key: "y", value: [true])]))
            if case .dict(let kw) = echoed["kwargs"] { #expect(kw.map(\.key) == ["z", "y"]) } else { Issue.record("no kwargs") }
            #expect(try await c.get(c.call("rc_test_tasks", "nop")) == .none)
        }

        @Test func fromSourceWithOptions() async throws {
            let c = try Fixture.client()
            let src = """
                def scaled(xs, factor=1):
                    import os
                    return [x * factor for x in xs] + [os.environ.get("SWIFT_MARK")]
                """
            var o = TaskOptions()
            o.numCPUs = 0.5
            o.runtimeEnvJSON = #"{"env_vars": {"SWIFT_MARK": "from-options"}}"#
            let r = try c.call(source: src, function: "scaled", [RayValue.list([1, 2])], kwargs: ["factor": 10], options: o)
            #expect(try await c.get(r) == [10, 20, "from-options"])
            let pair = try c.call(
                source: "def two(x):\n    return x, -x\n", function: "two", [4], options: TaskOptions(), returns: 2)
            #expect(try await c.get(pair, as: Int.self) == [4, -4])
        }

        @Test func multipleReturns() async throws {
            let c = try Fixture.client()
            let refs = try c.call("rc_test_tasks", "pair", [3], returns: 2)
            #expect(refs.count == 2)
            #expect(try await c.get(refs, as: Int.self) == [3, 4])
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call("rc_test_tasks", "pair", [3], returns: -1) }
        }

        @Test func remoteExceptionsCarryTheirDetails() async throws {
            let c = try Fixture.client()
            let r = try c.call("rc_test_tasks", "boom", [12])
            let e = await expectRayError({ $0.isTaskError }) { _ = try await c.get(r) }
            #expect(e?.kind == "task_error")
            #expect(e?.code == -7)
            #expect(e?.causeType?.contains("ValueError") == true)
            #expect(e?.remoteType?.contains("RayTaskError") == true, "\(String(describing: e?.remoteType))")
            #expect(e?.message.contains("bad value 12") == true)
            #expect(e?.traceback?.contains("boom") == true, "\(String(describing: e?.traceback))")
            // A source function that raises.
            let s = try c.call(source: "def f():\n    raise KeyError('nope')\n", function: "f")
            let k = await expectRayError({ $0.isTaskError }) { _ = try await c.get(s) }
            #expect(k?.causeType?.contains("KeyError") == true)
        }

        @Test func resourceOptionsAreApplied() async throws {
            let c = try Fixture.client()
            // A resource no node has: the task cannot be scheduled, so the get times out.
            var none = TaskOptions()
            none.resources = ["rc_swift_nowhere": 1]
            let stuck = try c.call("rc_test_tasks", "square", [2], options: none)
            await expectRayError({ $0.isTimeout }) { _ = try await c.get(stuck, timeout: .seconds(2)) }
            try c.cancel(stuck)

            var o = TaskOptions()
            o.numCPUs = 1
            o.numGPUs = 0
            o.memory = 10 * 1024 * 1024
            o.name = "swift-task"
            o.maxRetries = 0
            o.scheduling = .spread
            let ctx = try await c.get(c.call("rc_test_tasks", "task_resources", options: o))
            #expect(ctx["resources"]?["CPU"] == 1.0, "\(ctx)")
            o.scheduling = .default
            #expect(try await c.get(c.call("rc_test_tasks", "square", [5], options: o), as: Int.self) == 25)
        }

        @Test func nodeAffinityAndExtraOptions() async throws {
            let c = try Fixture.client()
            let nodes = try c.nodes()
            guard let node = nodes.first(where: { $0["Alive"] == true }), case .string(let id)? = node["NodeID"] else {
                Issue.record("no live node in \(nodes)")
                return
            }
            var o = try TaskOptions().setting("enable_task_events", false)
            o.scheduling = .nodeAffinity(nodeID: id, soft: false)
            #expect(try await c.get(c.call("rc_test_tasks", "node_id", options: o), as: String.self) == id)
            var bad = TaskOptions()
            bad.extra = [(key: "no_such_option", value: 1)]
            await expectRayError({ $0.message.contains("no_such_option") }) {
                _ = try await c.get(c.call("rc_test_tasks", "nop", options: bad))
            }
        }

        @Test func retriesOnExceptions() async throws {
            let c = try Fixture.client()
            let marker = URL(fileURLWithPath: Fixture.testModules)
                .deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".cache/\(Fixture.unique("swift-fail-once"))").path
            defer { try? FileManager.default.removeItem(atPath: marker) }
            var o = TaskOptions()
            o.maxRetries = 2
            o.retryExceptions = true
            #expect(try await c.get(c.call("rc_test_tasks", "fail_once", [marker], options: o), as: String.self) == "second attempt")
            let other = marker + "-no-retry"
            defer { try? FileManager.default.removeItem(atPath: other) }
            o.retryExceptions = false
            await expectRayError({ $0.isTaskError && $0.message.contains("first attempt fails") }) {
                _ = try await c.get(c.call("rc_test_tasks", "fail_once", [other], options: o))
            }
        }

        @Test func badCallsAreRefused() async throws {
            let c = try Fixture.client()
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("NUL") }) {
                _ = try c.call("rc_test_tasks\u{0}x", "square", [1])
            }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call("", "square", [1]) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call("rc_test_tasks", "square", [1], kwargs: ["": 1]) }
            var o = TaskOptions()
            o.runtimeEnvJSON = "{not json"
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call("rc_test_tasks", "square", [1], options: o) }
            o = TaskOptions()
            o.resources = ["bad\u{0}name": 1]
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call("rc_test_tasks", "square", [1], options: o) }
            // A module that does not exist: the server refuses the call.
            await expectRayError({ $0.message.contains("rc_no_such_module") }) {
                _ = try await c.get(c.call("rc_no_such_module", "f"))
            }
            // Python source that does not compile.
            await expectRayError({ _ in true }) {
                _ = try await c.get(c.call(source: "def (:\n", function: "f"))
            }
        }
    }
}
