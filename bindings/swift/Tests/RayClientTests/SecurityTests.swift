import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// Token authentication and TLS, against the clusters tests/run-swift starts for them
    /// (as tests/run-go does): RC_TEST_AUTH_ADDRESS + RC_TEST_AUTH_TOKEN (a cluster with
    /// `RAY_TEST_AUTH_TOKEN`), RC_TEST_TLS_ADDRESS + RC_TEST_TLS_DIR (a cluster with
    /// `RAY_TEST_TLS_DIR`, certificates from tests/harness/tls-certs). Without them these
    /// tests fail.
    @Suite struct SecurityTests {
        struct MissingEnv: Error, CustomStringConvertible {
            var name: String
            var description: String { "\(name) is not set (tests/run-swift starts the token and TLS clusters)" }
        }

        static func env(_ name: String) throws -> String {
            guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { throw MissingEnv(name: name) }
            return v
        }

        @Test func authToken() async throws {
            let address = try Self.env("RC_TEST_AUTH_ADDRESS")
            let token = try Self.env("RC_TEST_AUTH_TOKEN")
            var o = ConnectOptions(address: address)
            o.logs = .off
            o.authToken = token
            #expect(!o.description.contains(token) && o.description.contains("authToken: ***"))
            var dumped = ""
            dump(o, to: &dumped)
            #expect(!dumped.contains(token))

            let c = try RayClient(o)
            try c.ping()
            #expect(try await c.get(c.put("through the token"), as: String.self) == "through the token")
            #expect(c.connectionState == .connected)
            try c.disconnect()

            var wrong = o
            wrong.authToken = "wrong-" + token
            let e = await expectRayError({
                if case .authenticationFailed = $0 { return true } else { return false }
            }) { _ = try RayClient(wrong) }
            #expect(e?.kind == "authentication_failed")
            #expect(e?.code == -15)
            #expect(e.map { !$0.message.contains(token) && !$0.description.contains(token) } ?? false, "\(String(describing: e))")

            // No token at all (none in the environment of the test either).
            var none = ConnectOptions(address: address)
            none.logs = .off
            none.connectTimeout = .seconds(30)
            if ProcessInfo.processInfo.environment["RAY_AUTH_TOKEN"] == nil {
                await expectRayError({ if case .authenticationFailed = $0 { return true } else { return false } }) {
                    _ = try RayClient(none)
                }
            }
            // An empty token is refused before connecting.
            var empty = o
            empty.authToken = ""
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(empty) }
        }

        /// An `authorization` header (Python's `_metadata`, as behind an auth proxy) stands
        /// in for the token on every call; a wrong one is refused; with the token too,
        /// connecting is an invalid argument; the protocol's own headers are refused.
        @Test func authorizationHeader() async throws {
            let address = try Self.env("RC_TEST_AUTH_ADDRESS")
            let token = try Self.env("RC_TEST_AUTH_TOKEN")
            var o = ConnectOptions(address: address)
            o.logs = .off
            o.headers = [("x-request-source", "ray-client tests"), ("Authorization", "Bearer " + token)]
            #expect(!o.description.contains(token) && o.description.contains("Authorization: ***"))
            let c = try RayClient(o)
            #expect(try await c.get(c.put("through the header"), as: String.self) == "through the header")
            try c.disconnect()

            var wrong = o
            wrong.headers = [("authorization", "Bearer wrong-" + token)]
            let e = await expectRayError({
                if case .authenticationFailed = $0 { return true } else { return false }
            }) { _ = try RayClient(wrong) }
            #expect(e.map { !$0.message.contains(token) } ?? false)
            var both = o
            both.authToken = token
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(both) }
            var reserved = ConnectOptions(address: address)
            reserved.headers = [("client_id", "x")]
            let r = await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(reserved) }
            #expect(r?.message.contains("protocol sets") ?? false)
        }

        /// The token cluster's dashboard: the token opens it, a wrong one is refused
        /// without showing it.
        @Test func dashboardAuthToken() async throws {
            let url = try Self.env("RC_TEST_AUTH_DASHBOARD_URL")
            let token = try Self.env("RC_TEST_AUTH_TOKEN")
            var o = DashboardOptions(address: url)
            o.authToken = token
            let d = try await Dashboard(o)
            _ = try await d.listJobs()
            var wrong = o
            wrong.authToken = "wrong-" + token
            let e = await expectRayError({
                if case .authenticationFailed = $0 { return true } else { return false }
            }) { _ = try await Dashboard(wrong) }
            #expect(e.map { !$0.message.contains(token) } ?? false, "\(String(describing: e))")
        }

        /// The main dashboard over https (tests/run-swift serves it through
        /// tests/harness/tls-forward): its CA or no check opens it, the system roots refuse it.
        @Test func dashboardHTTPS() async throws {
            let url = try Self.env("RC_TEST_HTTPS_DASHBOARD_URL")
            let dir = try Self.env("RC_TEST_TLS_DIR")
            var o = DashboardOptions(address: url)
            o.tlsCACert = dir + "/ca.crt"
            let d = try await Dashboard(o)
            #expect(d.url == url)
            _ = try await d.listJobs()
            var none = DashboardOptions(address: url)
            none.tlsInsecure = true
            _ = try await Dashboard(none).listJobs()
            let e = await expectRayError({
                if case .connectionFailed = $0 { return true } else { return false }
            }) { _ = try await Dashboard(DashboardOptions(address: url)) }
            #expect(e.map { $0.message.lowercased().contains("certificate") } ?? false, "\(String(describing: e))")
        }

        @Test func tls() async throws {
            let address = try Self.env("RC_TEST_TLS_ADDRESS")
            let dir = URL(fileURLWithPath: try Self.env("RC_TEST_TLS_DIR"))
            func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
            var o = ConnectOptions(address: address)
            o.logs = .off
            o.tls = true
            o.tlsCACert = path("ca.crt")
            o.tlsClientCert = (certPath: path("client.crt"), keyPath: path("client.key"))
            o.tlsServerName = "localhost"
            let c = try RayClient(o)
            try c.ping()
            #expect(try await c.get(c.put([1, 2, 3]), as: [Int].self) == [1, 2, 3])
            #expect(c.connectionState == .connected)
            try c.disconnect()

            // A CA that did not sign the server's certificate.
            var wrongCA = o
            wrongCA.tlsCACert = path("other-ca.crt")
            wrongCA.tlsServerName = nil
            await expectRayError({
                $0.isConnectionFailed && $0.message.contains("certificate verification failed")
                    && $0.message.contains("other-ca.crt")
            }) { _ = try RayClient(wrongCA) }

            // TLS off against a TLS cluster: no connection.
            var plain = ConnectOptions(address: address)
            plain.logs = .off
            plain.tls = false
            plain.connectTimeout = .seconds(5)
            await expectRayError({ $0.isConnectionFailed }) { _ = try RayClient(plain) }

            // TLS to the plain test cluster.
            var toPlain = o
            toPlain.address = try Fixture.address()
            toPlain.tlsServerName = nil
            await expectRayError({ $0.isConnectionFailed && $0.message.contains("TLS handshake") }) {
                _ = try RayClient(toPlain)
            }

            // An unreadable file is the caller's mistake, named in the error.
            var missing = o
            missing.tlsCACert = path("missing.crt")
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("missing.crt") }) {
                _ = try RayClient(missing)
            }
        }
    }
}
