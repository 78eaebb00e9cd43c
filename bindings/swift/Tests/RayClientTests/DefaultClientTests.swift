import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// The process's default client (Python's `ray.init` / `ray.shutdown`): one at a time,
    /// reachable anywhere, its handles free only themselves, `shutdown` ends it. The only
    /// test that touches the default client (suites run one after another).
    @Suite struct DefaultClientTests {
        @Test func initializeDefaultClientAndShutdown() async throws {
            #expect(!RayClient.isInitialized)
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient.defaultClient() }
            let lines = Collected<LogRecord>()
            var o = try Fixture.options(namespace: "swift-default")
            o.logs = .callback { lines.append($0) }
            let first = try RayClient.initialize(o)
            let firstID = try first.clientInfo().clientID
            #expect(RayClient.isInitialized)
            // One at a time, like ray.init without ignore_reinit_error.
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient.initialize(o) }

            do {
                // Another handle, from anywhere: the same connection.
                let other = try RayClient.defaultClient()
                #expect(try other.clientInfo().clientID == firstID)
                #expect(try other.clientInfo().namespace == "swift-default")
                let ref = try other.put([1, 2, 3])
                #expect(try await first.get(ref, as: [Int].self) == [1, 2, 3])
            }
            // Dropping that handle freed the handle only: the connection is still there.
            try first.ping()
            #expect(RayClient.isInitialized)
            // Task output reaches the default client's log closure.
            let marker = Fixture.unique("swift-default-log")
            #expect(try await first.get(first.call(task("shout"), [marker]), as: Int.self) == marker.count)
            let logged = await Fixture.eventually { lines.all.contains { $0.message.contains(marker) } }
            #expect(logged, "\(lines.all)")

            try RayClient.shutdown()
            #expect(!RayClient.isInitialized)
            await expectRayError({ $0.isConnectionLost }) { try first.ping() }
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient.defaultClient() }
            try RayClient.shutdown()  // none connected: nothing to do

            // And again, with default options but for the address.
            let again = try RayClient.initialize(address: try Fixture.address())
            #expect(try again.clientInfo().clientID != firstID)
            #expect(try await again.get(again.put("again"), as: String.self) == "again")
            try RayClient.shutdown()
            #expect(!RayClient.isInitialized)
            withExtendedLifetime((first, again)) {}
        }

        @Test func defaultClientHandlesAreFreed() async throws {
            let before = RayClient.liveHandles
            do {
                let c = try RayClient.initialize(address: try Fixture.address())
                let d = try RayClient.defaultClient()
                _ = try await d.get(c.put(1))
                try RayClient.shutdown()
            }
            let settled = await Fixture.eventually { RayClient.liveHandles == before }
            #expect(settled, "\(RayClient.liveHandles) live handles, \(before) before")
        }
    }
}
