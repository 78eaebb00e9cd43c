import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// Actors: creation from an ActorClass by module and from source, options (attached
    /// and per creation), methods, names, kill.
    @Suite struct ActorTests {
        /// Actor kinds beyond plain classes (tests/python/rc_actor_kinds.py): async methods
        /// run together up to maxConcurrency, concurrency groups (declared with the class:
        /// `setting`), `@ray.method(num_returns=2)`.
        @Test func asyncActorsConcurrencyGroupsAndDeclaredReturns() async throws {
            let c = try Fixture.client()
            func meet(_ a: ActorHandle, _ n: Int) async throws {
                let refs = try (0..<n).map { _ in try c.call(a, method: "meet", [n]) }
                for r in refs { #expect(try await c.get(r, as: Int.self) == n) }
            }
            func kind(_ name: String) throws -> ActorClass { try ActorClass(module: "rc_actor_kinds", qualname: name) }
            var concurrent = Options()
            concurrent.maxConcurrency = 4
            try await meet(c.createActor(kind("AsyncMeeting"), options: concurrent), 4)
            let grouped = try Options().setting("concurrency_groups", ["io": 2])
            try await meet(c.createActor(kind("Grouped"), options: grouped), 2)
            let splitter = try c.createActor(kind("Splitter"))
            let refs = try c.call(splitter, method: "split", [1, "b"], returns: 2)
            #expect(try await c.get(refs[0], as: Int.self) == 1)
            #expect(try await c.get(refs[1], as: String.self) == "b")
        }

        @Test func namedActorMethodsAndKill() async throws {
            let c = try Fixture.client()
            let name = Fixture.unique("swift-counter")
            var o = Options()
            o.name = name
            o.maxRestarts = 0
            o.maxTaskRetries = 0
            o.maxConcurrency = 1
            o.numCPUs = 0
            let a = try c.createActor(actorClass("Counter"), [5], options: o)
            #expect(try await c.get(c.call(a, method: "incr"), as: Int.self) == 6)
            #expect(try await c.get(c.call(a, method: "incr", kwargs: ["k": 10]), as: Int.self) == 16)
            #expect(try await c.get(c.call(a, method: "pair", returns: 2), as: Int.self) == [16, -16])
            let id = try a.id()
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))

            // Found by name, in this namespace and across namespaces.
            let same = try c.actor(named: name)
            #expect(same == a)
            #expect(try c.actor(named: name, namespace: "swift-tests") == a)
            #expect(try c.namedActors().contains(NamedActor(name: name, namespace: "swift-tests")))
            #expect(try c.namedActors(allNamespaces: true).contains(NamedActor(name: name, namespace: "swift-tests")))

            // Handles travel into tasks and back in values.
            #expect(try await c.get(c.call(task("call_actor"), [a, 4]), as: Int.self) == 20)
            let back = try await c.get(c.call(task("identity"), [[a]]), as: [ActorHandle].self)
            #expect(back == [a])
            #expect(try await c.get(c.call(back[0], method: "get"), as: Int.self) == 20)

            // A method that raises, then kill.
            let bad = try c.call(a, method: "incr", ["not a number"])
            let e = await expectRayError({ $0.isTaskError }) { _ = try await c.get(bad) }
            #expect(e?.causeType?.contains("TypeError") == true)
            let died = try await errorOnceKilled(c, a, method: "get")
            #expect(died?.isActorDied == true, "the killed actor kept answering or failed otherwise: \(String(describing: died))")
            // The name goes with the actor (asynchronously).
            let gone = await Fixture.eventually { (try? c.actor(named: name)) == nil }
            #expect(gone)
        }

        @Test func fromSourceDetachedAndRestart() async throws {
            let c = try Fixture.client()
            let src = """
                class Greeter:
                    def __init__(self, greeting):
                        self.greeting = greeting
                    def greet(self, who):
                        return self.greeting + ", " + who
                    def pid(self):
                        import os
                        return os.getpid()
                """
            let name = Fixture.unique("swift-greeter")
            var o = Options()
            o.name = name
            o.namespace = "swift-other"
            o.detached = true
            o.maxRestarts = 1
            o.numCPUs = 0
            let greeter = try ActorClass(source: src, name: "Greeter")
            let g = try c.createActor(greeter, ["Hello"], options: o)
            #expect(try await c.get(c.call(g, method: "greet", ["Swift"]), as: String.self) == "Hello, Swift")
            #expect(try c.actor(named: name, namespace: "swift-other") == g)
            // Not visible from this client's namespace.
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.actor(named: name) }
            // get_if_exists returns the existing actor.
            var again = o
            again.getIfExists = true
            let g2 = try c.createActor(greeter, ["Other"], options: again)
            #expect(try await c.get(c.call(g2, method: "greet", ["x"]), as: String.self) == "Hello, x")

            // Killed with restart allowed: it comes back (a new process, same actor).
            let pid1 = try await c.get(c.call(g, method: "pid"), as: Int.self)
            try c.kill(g, noRestart: false)
            var pid2 = pid1
            for _ in 0..<600 where pid2 == pid1 {
                if let p = try? await c.get(c.call(g, method: "pid"), as: Int.self) { pid2 = p }
                if pid2 == pid1 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(pid2 != pid1)
            // Detached: kill it for good, or it outlives the test run.
            try c.kill(g)
        }

        @Test func actorClassOptionsAttachedAndPerCreation() async throws {
            let c = try Fixture.client()
            var attached = Options()
            attached.numCPUs = 0
            attached.namespace = "swift-other"
            let counters = try actorClass("Counter").withOptions(attached)
            #expect("\(counters)" == "ActorClass(rc_test_tasks.Counter)")
            #expect(counters.options.namespace == "swift-other")
            // The creation's name goes over the class's options; its namespace stays.
            let name = Fixture.unique("swift-class")
            var named = Options()
            named.name = name
            let a = try c.createActor(counters, [7], options: named)
            #expect(try await c.get(c.call(a, method: "incr", [3]), as: Int.self) == 10)
            #expect(try c.actor(named: name, namespace: "swift-other") == a)
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.actor(named: name) }
            // A method call with options of its own and two results.
            var callOptions = Options()
            callOptions.name = "swift-pair-call"
            #expect(try await c.get(c.call(a, method: "pair", options: callOptions, returns: 2), as: Int.self) == [10, -10])
            // The class is made once for any number of actors.
            let b = try c.createActor(counters, kwargs: ["start": 100])
            #expect(try await c.get(c.call(b, method: "incr"), as: Int.self) == 101)
            #expect(a != b)
            try c.kill(a)
            try c.kill(b)

            // Refused when made or when options are attached, before anything is sent.
            var bad = Options()
            bad.maxConcurrency = -1
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("max_concurrency") }) {
                _ = try counters.withOptions(bad)
            }
            await expectRayError({ $0.isInvalidArgument }) { _ = try ActorClass(module: "", qualname: "Counter") }
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("NUL") }) {
                _ = try ActorClass(source: "class A:\n    pass\n", name: "A\u{0}")
            }
        }

        @Test func actorErrors() async throws {
            let c = try Fixture.client()
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.actor(named: Fixture.unique("nobody")) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.actor(named: "") }
            // A class that does not exist: the server refuses it.
            await expectRayError({ $0.message.contains("NoSuchClass") }) {
                let ghost = try c.createActor(actorClass("NoSuchClass"))
                _ = try await c.get(c.call(ghost, method: "get"))
            }
            // A method that does not exist.
            var zero = Options()
            zero.numCPUs = 0
            let a = try c.createActor(actorClass("Counter"), options: zero)
            await expectRayError({ _ in true }) { _ = try await c.get(c.call(a, method: "no_such_method")) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(a, method: "get\u{0}") }
            // An actor that dies while running a method.
            await expectRayError({ $0.isActorDied || $0.isTaskError }) { _ = try await c.get(c.call(a, method: "die")) }
            try c.kill(a)
        }
    }
}
