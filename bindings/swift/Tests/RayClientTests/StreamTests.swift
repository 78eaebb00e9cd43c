import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// Item streams: tests/python/rc_streams.py's generators, which write what they did to
    /// the KV store (namespace rc_streams).
    @Suite struct StreamTests {
        func generator(_ name: String) throws -> RemoteFunction {
            try RemoteFunction(module: "rc_streams", qualname: name)
        }

        func key(_ what: String) -> String { "swift-\(what)-\(UInt64(Date().timeIntervalSince1970 * 1e9))" }

        /// Waits (no time limit) until the generator writing `key` says it stopped.
        func waitStopped(_ c: RayClient, _ key: String) async throws {
            while try !c.kvExists(Data((key + ":stopped").utf8), namespace: "rc_streams") {
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        @Test func itemsInOrderThenTheEnd() async throws {
            let c = try Fixture.client()
            let s = try c.callStreaming(generator("count"), [120])
            #expect(try s.buffer == 1024)
            var got: [Int] = []
            for try await item in s { got.append(try Int(rayValue: item)) }
            #expect(got == Array(0..<120))
            #expect(try await s.next() == nil)
        }

        @Test func theExceptionComesAfterTheItemsBeforeIt() async throws {
            let c = try Fixture.client()
            let s = try c.callStreaming(generator("fail_after"), [2])
            #expect(try await s.next() == 0)
            #expect(try await s.next() == 1)
            let e = await expectRayError({ $0.isTaskError }) { _ = try await s.next() }
            #expect(e?.causeType == "ValueError")
            #expect(e?.message.contains("boom after 2") == true)
            #expect(try await s.next() == nil)
        }

        @Test func aCancelledReadLosesNothing() async throws {
            let c = try Fixture.client()
            let k = key("lockstep")
            let s = try c.callStreaming(generator("lockstep"), [2, k])
            #expect(try await s.next() == 0)
            // Item 1 cannot exist before the key is written: the read waits until cancelled.
            let waiting = Task { try await s.next() }
            try await Task.sleep(for: .milliseconds(200))
            waiting.cancel()
            await #expect(throws: CancellationError.self) { _ = try await waiting.value }
            _ = try c.kvPut(Data(k.utf8), Data("0".utf8), namespace: "rc_streams")
            #expect(try await s.next() == 1)
            _ = try c.kvPut(Data(k.utf8), Data("1".utf8), namespace: "rc_streams")
            #expect(try await s.next() == nil)
        }

        @Test func cancelAndDroppingStopTheGenerator() async throws {
            let c = try Fixture.client()
            let cancelled = key("cancel"), dropped = key("drop")
            let s = try c.callStreaming(generator("endless"), [cancelled])
            #expect(try await s.next() == 0)
            try s.cancel()
            #expect(try await s.next() == nil)
            try await waitStopped(c, cancelled)
            do {
                let small = try Options().setting("_generator_backpressure_num_objects", 2)
                let d = try c.callStreaming(generator("endless"), [dropped], options: small)
                #expect(try d.buffer == 2)
                #expect(try await d.next() == 0)
            }
            try await waitStopped(c, dropped)
            let zero = try Options().setting("_generator_backpressure_num_objects", 0)
            await expectRayError({ $0.isInvalidArgument }) {
                _ = try c.callStreaming(generator("count"), [1], options: zero)
            }
        }

        @Test func dynamicGeneratorGivesItsItemsRefs() async throws {
            let c = try Fixture.client()
            let dynamic = try Options().setting("num_returns", "dynamic")
            let list = try await c.get(c.call(generator("count"), [3], options: dynamic))
            guard case .list(let refs) = list, refs.count == 3 else {
                Issue.record("not a list of 3: \(list)")
                return
            }
            for (i, r) in refs.enumerated() {
                guard case .objectRef(let ref) = r else {
                    Issue.record("not a ref: \(r)")
                    continue
                }
                #expect(try await c.get(ref, as: Int.self) == i)
            }
        }

        @Test func actorGeneratorMethods() async throws {
            let c = try Fixture.client()
            let a = try c.createActor(ActorClass(module: "rc_streams", qualname: "Streamer"), [3])
            var got: [Int] = []
            for try await item in try c.callStreaming(a, method: "count", [3]) { got.append(try Int(rayValue: item)) }
            #expect(got == [3, 4, 5])
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.callStreaming(a, method: "", []) }
        }
    }
}
