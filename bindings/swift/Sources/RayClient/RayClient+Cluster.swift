// What a client can learn about its server and the cluster: ping, server and client info,
// resources, nodes, the job's runtime context, the dashboard's URL.
import CRayClient
import Foundation

/// What the server said about itself.
public struct ServerInfo: Sendable, Equatable {
    public var rayVersion: String
    public var rayCommit: String
    public var pythonVersion: String
    public var numClients: Int
}

/// The connection's id, address and namespace.
public struct ClientInfo: Sendable, Equatable {
    /// 32 hex digits.
    public var clientID: String
    public var address: String
    public var namespace: String?
}

/// The job's runtime context.
public struct RuntimeContext: Sendable, Equatable {
    public var jobID: String
    public var nodeID: String
    public var namespace: String
    /// The runtime env as JSON text.
    public var runtimeEnv: String
    public var gcsAddress: String
    public var sessionName: String
    /// The driver of this client's server (nil from releases that do not send it: 2.55
    /// and earlier).
    public var workerID: String?
}

/// The server and the cluster: Python's `ray.cluster_resources()`, `ray.nodes()`,
/// `ray.get_runtime_context()`, ...
extension RayClient {
    /// Asks the server whether it is there; throws when it does not answer.
    public func ping() throws { try check(ray_client_client_ping(raw)) }

    /// Whether Ray is initialized on the client's server.
    public func serverIsInitialized() throws -> Bool {
        var i: Int32 = 0
        try check(ray_client_client_server_is_initialized(raw, &i))
        return i != 0
    }

    /// What the server said about itself when it accepted the connection.
    public func serverInfo() throws -> ServerInfo {
        var v: UnsafePointer<CChar>?
        var commit: UnsafePointer<CChar>?
        var py: UnsafePointer<CChar>?
        var n: Int32 = 0
        try check(ray_client_client_server_info(raw, &v, &commit, &py, &n))
        func s(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        return ServerInfo(rayVersion: s(v), rayCommit: s(commit), pythonVersion: s(py), numClients: Int(n))
    }

    /// The connection's id, address and namespace.
    public func clientInfo() throws -> ClientInfo {
        var id: UnsafePointer<CChar>?
        var addr: UnsafePointer<CChar>?
        var ns: UnsafePointer<CChar>?
        try check(ray_client_client_info(raw, &id, &addr, &ns))
        return ClientInfo(
            clientID: id.map { String(cString: $0) } ?? "", address: addr.map { String(cString: $0) } ?? "",
            namespace: ns.map { String(cString: $0) })
    }

    /// Total resources of the cluster (`ray.cluster_resources()`), e.g. `["CPU": 4, ...]`.
    public func clusterResources() throws -> [String: Double] {
        try resources(ray_client_cluster_resources)
    }

    /// Resources not in use right now (`ray.available_resources()`).
    public func availableResources() throws -> [String: Double] {
        try resources(ray_client_cluster_available_resources)
    }

    /// The cluster's nodes (`ray.nodes()`): one dict each (`NodeID`, `Alive`, `Resources`, ...).
    /// The cluster's task timeline (`ray.timeline()`): Chrome tracing events (`cat`,
    /// `name`, `pid`, `tid`, `ts`, `dur`, `ph`, ...).
    public func timeline() throws -> [RayValue] {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_cluster_timeline(raw, &s))
        return try [RayValue](rayValue: try RayValue(json: takeString(s)))
    }

    public func nodes() throws -> [RayValue] {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_cluster_nodes(raw, &s))
        return try [RayValue](rayValue: try RayValue(json: takeString(s)))
    }

    /// The job's runtime context.
    public func runtimeContext() throws -> RuntimeContext {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_client_runtime_context(raw, &s))
        let json = takeString(s)
        guard let o = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw RayError.invalid("unexpected runtime context: \(json)")
        }
        func f(_ k: String) -> String { o[k] as? String ?? "" }
        return RuntimeContext(
            jobID: f("job_id"), nodeID: f("node_id"), namespace: f("namespace"), runtimeEnv: f("runtime_env"),
            gcsAddress: f("gcs_address"), sessionName: f("session_name"), workerID: o["worker_id"] as? String)
    }

    /// The dashboard's URL (empty without a dashboard).
    public func dashboardURL() throws -> String {
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_cluster_dashboard_url(raw, &s))
        return takeString(s)
    }

    /// A resources dict (`ray.cluster_resources()`, `ray.available_resources()`) from `f`.
    private func resources(_ f: (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> ray_client_status)
        throws -> [String: Double]
    {
        var s: UnsafeMutablePointer<CChar>?
        try check(f(raw, &s))
        let json = takeString(s)
        guard let o = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw RayError.invalid("unexpected resources: \(json)")
        }
        return o.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}
