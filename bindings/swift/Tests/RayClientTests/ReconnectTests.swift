import Foundation
import Testing

@testable import RayClient

/// tests/harness/fault-proxy in front of the test cluster, run with the root's python3:
/// SIGUSR1 cuts every live connection, SIGUSR2 refuses new ones (a partition), SIGHUP ends
/// the partition, SIGTERM stops it; commands on its stdin set an idle limit and ask for
/// its counts.
final class FaultProxy {
    let process = Process()
    /// `ray://127.0.0.1:PORT`, the proxy's first line of output.
    let address: String
    private let control = Pipe()
    private let output = Pipe()

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    init(upstream: String) throws {
        let script = URL(fileURLWithPath: Fixture.testModules)
            .deletingLastPathComponent()  // tests
            .appendingPathComponent("harness/fault-proxy").path
        // The proxy must get its signals, but a child inherits the spawning thread's signal
        // mask, and the test runner's threads block SIGHUP/SIGUSR1/SIGUSR2/SIGTERM (Process
        // does not reset the mask): unblock everything, then exec the proxy.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
                + "os.execvp(sys.executable, [sys.executable] + sys.argv[1:])",
            script, upstream,
        ]
        process.standardOutput = output
        process.standardInput = control
        try process.run()
        address = try Self.readLine(output)
        guard address.hasPrefix("ray://") else {
            process.terminate()
            process.waitUntilExit()
            throw StartFailed(description: "fault-proxy did not start (printed \(address.debugDescription))")
        }
        // Its signals must not be blocked, or the faults would never happen.
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let blocked = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
            .flatMap { UInt64($0.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? ~0
        for sig in [SIGHUP, SIGUSR1, SIGUSR2, SIGTERM] where blocked & (1 << UInt64(sig - 1)) != 0 {
            kill(process.processIdentifier, SIGKILL)
            throw StartFailed(description: "fault-proxy blocks signal \(sig) (SigBlk \(String(blocked, radix: 16)))")
        }
    }

    /// A line of the proxy's output, read byte by byte (the proxy keeps stdout open).
    private static func readLine(_ pipe: Pipe) throws -> String {
        var line = Data()
        while true {
            guard let byte = try pipe.fileHandleForReading.read(upToCount: 1), let b = byte.first else { break }
            if b == UInt8(ascii: "\n") { break }
            line.append(b)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Writes one command line to the proxy (see tests/harness/fault-proxy).
    func command(_ line: String) throws {
        try control.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The proxy's count of accepted connections and of idle cuts so far.
    func stats() throws -> (accepted: Int, idleCuts: Int) {
        try command("stats")
        let line = try Self.readLine(output)
        let words = line.split(separator: " ")
        guard words.count == 4, words[0] == "accepted", words[2] == "idle_cuts",
            let accepted = Int(words[1]), let cuts = Int(words[3])
        else { throw StartFailed(description: "fault-proxy stats: \(line.debugDescription)") }
        return (accepted, cuts)
    }

    /// The proxy handles signals asynchronously (several pending ones in signal-number
    /// order): each gets 300 ms to land before the next.
    func signal(_ sig: Int32) async throws {
        kill(process.processIdentifier, sig)
        try await Task.sleep(for: .milliseconds(300))
    }

    func stop() {
        if process.isRunning {
            process.terminate()  // SIGTERM
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

extension AllTests {
    /// Reconnection through a fault-injecting proxy (tests/c/test_reconnect.c in Swift):
    /// cuts within the grace period are invisible to calls; a partition longer than it
    /// ends in `connectionLost` naming the address.
    @Suite struct ReconnectTests {
        func connect(_ address: String, grace: Duration) throws -> RayClient {
            var o = ConnectOptions(address: address)
            o.reconnectGracePeriod = grace
            o.logs = .off
            return try RayClient(o)
        }

        /// put(i), then get it back.
        func roundTrip(_ c: RayClient, _ i: Int) async throws {
            #expect(try await c.get(c.put(i), as: Int.self) == i)
        }

        /// Through a proxy that cuts connections silent for 3 s (as NATs and load balancers
        /// do), pings every second keep an idle client's connection: no cut, no new
        /// connection. Control: with the default (a ping every 30 s, like Python's client)
        /// the same proxy cuts it, and only reconnection saves the next call.
        @Test func keepaliveOptions() async throws {
            var o = ConnectOptions(address: try Fixture.address())
            o.logs = .off
            o.keepalive(interval: .seconds(1), timeout: .seconds(30))
            #expect(o.keepaliveInterval == .seconds(1) && o.keepaliveTimeout == .seconds(30))
            for withPings in [true, false] {
                let proxy = try FaultProxy(upstream: try Fixture.address())
                defer { proxy.stop() }
                var via = withPings ? o : ConnectOptions(address: proxy.address)
                via.address = proxy.address
                via.logs = .off
                let c = try RayClient(via)
                try await roundTrip(c, 1)
                // Only now: starting the client's server may keep the connection silent longer.
                try proxy.command("idle 3")
                let dialled = try proxy.stats().accepted
                try await Task.sleep(for: .seconds(8))
                try await roundTrip(c, 2)
                let after = try proxy.stats()
                if withPings {
                    #expect(after.idleCuts == 0 && after.accepted == dialled, "with 1 s pings: \(after), \(dialled) before")
                    #expect(c.connectionState == .connected)
                } else {
                    #expect(after.idleCuts > 0, "the control connection was never idle-cut")
                }
                try c.disconnect()
                #expect(c.connectionState == .lost)
            }

            var zero = o
            zero.keepalive(interval: .zero, timeout: .seconds(1))
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(zero) }
            var zeroTimeout = o
            zeroTimeout.keepaliveTimeout = .zero
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(zeroTimeout) }
            var negative = o
            negative.keepaliveInterval = .seconds(-1)
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(negative) }
        }

        @Test func reconnectsThroughCuts() async throws {
            let proxy = try FaultProxy(upstream: try Fixture.address())
            defer { proxy.stop() }
            let hostPort = String(proxy.address.dropFirst("ray://".count))

            // Cuts within the grace period: every call succeeds.
            let c = try connect(proxy.address, grace: .seconds(30))
            #expect(c.connectionState == .connected)
            for i in 0..<5 {
                try await roundTrip(c, i)
                try await proxy.signal(SIGUSR1)
                try await roundTrip(c, 100 + i)
            }
            try c.kvPut(Data("rc-swift-reconnect".utf8), Data("1".utf8))
            #expect(c.connectionState == .connected)

            // A partition longer than the grace period: calls fail with connection lost.
            let shortGrace = try connect(proxy.address, grace: .seconds(2))
            try await roundTrip(shortGrace, 7)
            try await proxy.signal(SIGUSR2)
            try await proxy.signal(SIGUSR1)
            let e = await expectRayError({ $0.isConnectionLost }) { try await roundTrip(shortGrace, 8) }
            #expect(e?.message.contains(hostPort) == true, "\(String(describing: e))")
            #expect(shortGrace.connectionState == .lost)
            await expectRayError({ $0.isConnectionLost }) { try await roundTrip(shortGrace, 9) }
            try await proxy.signal(SIGHUP)

            // The first client, cut during the partition too, came back once it ended.
            try await roundTrip(c, 42)
            #expect(c.connectionState == .connected)
            try c.disconnect()
            #expect(c.connectionState == .lost)
        }
    }
}
