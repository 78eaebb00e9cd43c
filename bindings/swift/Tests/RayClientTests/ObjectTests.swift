import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// put / get / wait / cancel, and refs inside values.
    @Suite struct ObjectTests {
        /// A large put and get report their progress: from 0 to the whole, never backwards,
        /// the last report before the call returns.
        @Test func largePutsAndGetsReportProgress() async throws {
            let c = try Fixture.client()
            let data = Data(repeating: 0x61, count: 64 << 20)
            func check(_ seen: [(UInt64, UInt64)], _ what: String) {
                #expect(seen.count >= 2 && seen.first?.0 == 0, "\(what): \(seen)")
                let last = seen.last ?? (0, 1)
                #expect(last.0 == last.1 && last.1 >= UInt64(data.count), "\(what): \(last)")
                #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "\(what): \(seen)")
            }
            let puts = Collected<(UInt64, UInt64)>()
            let r = try c.put(data) { puts.append(($0, $1)) }
            check(puts.all, "put")
            let gets = Collected<(UInt64, UInt64)>()
            let back = try await c.get(r) { gets.append(($0, $1)) }
            check(gets.all, "get")
            #expect(try Data(rayValue: back) == data)
        }

        @Test func getManyAndRefsAsArguments() async throws {
            let c = try Fixture.client()
            let refs = try (1...5).map { try c.call(task("square"), [$0]) }
            #expect(try await c.get(refs, as: Int.self) == [1, 4, 9, 16, 25])
            #expect(try await c.get([ObjectRef]()) == [])
            // A put ref as an argument: Ray resolves it before the function runs.
            let x = try c.put(7)
            #expect(try await c.get(c.call(task("square"), [x]), as: Int.self) == 49)
            // A task's ref as an argument: pipelined without waiting in Swift.
            let y = try c.call(task("square"), [refs[1]])
            #expect(try await c.get(y, as: Int.self) == 16)
        }

        @Test func refsNestedInValues() async throws {
            let c = try Fixture.client()
            // A task returns a list holding a ref it put.
            let outer = try await c.get(c.call(task("put_nested"), ["inner"]))
            guard case .list(let items) = outer, items.count == 1, case .objectRef(let inner) = items[0] else {
                Issue.record("expected [ObjectRef], got \(outer)")
                return
            }
            #expect(try await c.get(inner, as: String.self) == "inner")
            // A ref inside an argument stays a ref (not resolved): Python sees an ObjectRef.
            let r = try c.put(1)
            #expect(try await c.get(c.call(task("type_name"), [[r]]), as: String.self) == "list")
            let back = try await c.get(c.call(task("identity"), [[r]]), as: [ObjectRef].self)
            #expect(back == [r])
            #expect(try await c.get(back[0], as: Int.self) == 1)
        }

        @Test func refIdentity() throws {
            let c = try Fixture.client()
            let a = try c.put(1)
            let b = try c.put(1)
            let hex = try a.hex()
            #expect(hex.count == 56 && hex.allSatisfy(\.isHexDigit))
            #expect(a == a && a != b)
            #expect(try ObjectRef(rayValue: .objectRef(a)) == a)
            #expect(a.description.contains(hex))
        }

        @Test func waitSplitsReadyFromPending() async throws {
            let c = try Fixture.client()
            let fast = try c.call(task("square"), [3])
            let slow = try c.call(task("sleep_then"), [600.0, "late"])
            let (ready, pending) = try await c.wait([slow, fast], numReturns: 1)
            #expect(ready == [fast])
            #expect(pending == [slow])
            // With a timeout the slow one stays pending: no error, just not ready.
            let (r2, p2) = try await c.wait([fast, slow], timeout: .milliseconds(300))
            #expect(r2 == [fast] && p2 == [slow])
            try c.cancel(slow, force: true, recursive: false)
            await expectRayError({ $0.isInvalidArgument }) { _ = try await c.wait([fast], numReturns: 2) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await c.wait([fast], numReturns: 0) }
            #expect(try await c.wait([]) == ([], []))
        }

        @Test func getTimeoutThenCancel() async throws {
            let c = try Fixture.client()
            let slow = try c.call(task("sleep_then"), [600.0, 1])
            await expectRayError({ $0.isTimeout && $0.kind == "timeout" }) {
                _ = try await c.get(slow, timeout: .milliseconds(200))
            }
            try c.cancel(slow, force: true, recursive: false)
            let e = await expectRayError({ $0.isTaskCancelled }) { _ = try await c.get(slow) }
            #expect(e?.remoteType?.hasSuffix("TaskCancelledError") == true, "\(String(describing: e))")
        }

        @Test func cancellingTheAwaitingTaskEndsGetAndWait() async throws {
            let c = try Fixture.client()
            let before = RayClient.liveHandles
            do {
                let slow = try c.call(task("sleep_then"), [600.0, 1])
                let getting = Task { try await c.get(slow) }
                let gettingMany = Task { try await c.get([slow, slow]) }
                let waiting = Task { try await c.wait([slow]) }
                // Cancelled before it starts: it does not start at all.
                let early = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return try await c.get(slow)
                }
                try await Task.sleep(for: .milliseconds(300))
                getting.cancel()
                gettingMany.cancel()
                waiting.cancel()
                for t in [getting, early] {
                    await #expect(throws: CancellationError.self) { _ = try await t.value }
                }
                await #expect(throws: CancellationError.self) { _ = try await gettingMany.value }
                await #expect(throws: CancellationError.self) { _ = try await waiting.value }
                try c.cancel(slow, force: true, recursive: false)
                // The library's late completions (cancelled task) free what they carry.
                _ = try? await c.get(slow)
            }
            let settled = await Fixture.eventually { RayClient.liveHandles == before }
            #expect(settled, "\(RayClient.liveHandles) live handles, \(before) before")
        }

        @Test func getManyTimesOut() async throws {
            let c = try Fixture.client()
            let fast = try c.put(1)
            let slow = try c.call(task("sleep_then"), [600.0, 2])
            await expectRayError({ $0.isTimeout }) { _ = try await c.get([fast, slow], timeout: .milliseconds(200)) }
            try c.cancel(slow, force: true)
        }

        @Test func concurrentGets() async throws {
            // Many gets in flight at once from many tasks; each completes on the I/O thread.
            let c = try Fixture.client()
            let refs = try (0..<40).map { try c.call(task("add"), [$0, 1000]) }
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for r in refs { group.addTask { try await c.get(r, as: Int.self) } }
                return try await group.reduce(0, +)
            }
            #expect(sum == (0..<40).reduce(0) { $0 + $1 + 1000 })
        }

        @Test func misuseGivesErrorsNotCrashes() async throws {
            let c = try Fixture.client()
            let r = try c.put(1)
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("negative") }) {
                _ = try await c.get(r, timeout: .milliseconds(-5))
            }
            // A ref of another client.
            let other = try RayClient(try Fixture.options())
            let foreign = try other.put(2)
            await expectRayError({ $0.isInvalidArgument }) { _ = try await c.get(foreign) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.call(task("square"), [foreign]) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await c.get([r, foreign]) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await c.wait([r, foreign]) }
            #expect(try await other.get(foreign, as: Int.self) == 2)
        }
    }
}
