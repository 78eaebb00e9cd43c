import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// The one way to call: RemoteFunction (by module and name, from source), options
    /// attached with withOptions and merged with a call's own, num_returns, keyword
    /// arguments given twice. Mirrors the C ABI 0.2 tests of tests/c/test_ffi.c.
    @Suite struct CallTests {
        @Test func remoteFunctionsFromModuleAndSource() async throws {
            let c = try Fixture.client()
            let add = try task("add")
            #expect("\(add)" == "RemoteFunction(rc_test_tasks.add)")
            #expect(add.options.numCPUs == nil && add.options.extra.isEmpty)
            // Made once, called any number of times.
            let refs = try (0..<5).map { try c.call(add, [$0], kwargs: ["b": 10]) }
            #expect(try await c.get(refs, as: Int.self) == [10, 11, 12, 13, 14])

            let cube = try RemoteFunction(source: "def cube(x):\n    return x ** 3\n", name: "cube")
            #expect("\(cube)" == "RemoteFunction(cube)")
            #expect(try await c.get(c.call(cube, [3]), as: Int.self) == 27)
            // One function from many tasks at once (it is immutable and Sendable).
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 1...8 { group.addTask { try await c.get(c.call(cube, [i]), as: Int.self) } }
                return try await group.reduce(0, +)
            }
            #expect(sum == (1...8).reduce(0) { $0 + $1 * $1 * $1 })
        }

        @Test func attachedOptionsAreMergedWithACallsOwn() async throws {
            let c = try Fixture.client()
            let probe = try RemoteFunction(
                source: """
                    def probe():
                        import os, ray
                        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
                        return [os.environ.get("SWIFT_MARK"), cpus]
                    """, name: "probe")
            var attached = Options()
            attached.numCPUs = 1
            attached.runtimeEnvJSON = #"{"env_vars": {"SWIFT_MARK": "attached"}}"#
            let f = try probe.withOptions(attached)
            #expect(f.options.numCPUs == 1 && f.options.runtimeEnvJSON != nil)
            #expect(probe.options.numCPUs == nil, "withOptions changed the function it was called on")
            #expect(try await c.get(c.call(f)) == ["attached", 1.0])
            // A call's option is put over the attached one of the same name; the others stay
            // (Python's f.options(num_cpus=1, runtime_env=...).options(num_cpus=0.5)).
            var perCall = Options()
            perCall.numCPUs = 0.5
            #expect(try await c.get(c.call(f, options: perCall)) == ["attached", 0.5])
            // For that call only.
            #expect(try await c.get(c.call(f)) == ["attached", 1.0])
            // withOptions replaces what was attached before (no runtime env any more).
            let g = try f.withOptions(perCall)
            #expect(g.options.runtimeEnvJSON == nil)
            #expect(try await c.get(c.call(g)) == [.none, 0.5])

            // Options Ray refuses are refused when attached, naming Ray's rule.
            var bad = Options()
            bad.maxRetries = -2
            let e = await expectRayError({ $0.isInvalidArgument }) { _ = try probe.withOptions(bad) }
            #expect(e?.message.contains("max_retries only accepts") == true, "\(String(describing: e))")
        }

        @Test func numReturnsPerCallOrAttached() async throws {
            let c = try Fixture.client()
            let three = try RemoteFunction(source: "def three(x):\n    return x, x * 2, x * 3\n", name: "three")
            let refs = try c.call(three, [2], returns: 3)
            #expect(refs.count == 3)
            #expect(try await c.get(refs, as: Int.self) == [2, 4, 6])

            // num_returns attached to the function: a call must ask for as many results,
            // or the library refuses it before anything is sent.
            let pair = try task("pair").withOptions(try Options().setting("num_returns", 2))
            let e = await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(pair, [5]) }
            #expect(
                e?.message.contains("the call returns 2 results (num_returns), but results has room for 1") == true,
                "\(String(describing: e))")
            #expect(try await c.get(c.call(pair, [5], returns: 2), as: Int.self) == [5, 6])
            // returns: sets num_returns for the call, over the attached one.
            let one = try task("square").withOptions(try Options().setting("num_returns", 2))
            #expect(try await c.get(c.call(one, [4], returns: 1), as: Int.self) == [16])
            #expect(try c.call(one, [4], returns: 0).isEmpty)
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(one, [4], returns: -1) }
        }

        @Test func aKeywordGivenTwiceIsRefused() async throws {
            let c = try Fixture.client()
            let e = await expectRayError({ $0.isInvalidArgument }) {
                _ = try c.call(task("add"), [1], kwargs: ["b": 2, "b": 3])
            }
            #expect(e?.message.contains("multiple values for keyword argument 'b'") == true, "\(String(describing: e))")
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("'start'") }) {
                _ = try c.createActor(actorClass("Counter"), kwargs: ["start": 1, "start": 2])
            }
            var zero = Options()
            zero.numCPUs = 0
            let a = try c.createActor(actorClass("Counter"), kwargs: ["start": 1], options: zero)
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("'k'") }) {
                _ = try c.call(a, method: "incr", kwargs: ["k": 1, "k": 2])
            }
            // The refused method call was never sent.
            #expect(try await c.get(c.call(a, method: "get"), as: Int.self) == 1)
            try c.kill(a)
        }
    }
}
