import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// The internal KV store.
    @Suite struct KVTests {
        @Test func putGetListDelete() throws {
            let c = try Fixture.client()
            let p = Fixture.unique("swift-kv")
            let k1 = Data("\(p)/one".utf8)
            let k2 = Data("\(p)/two\u{0}binary".utf8)
            #expect(try c.kvGet(k1) == nil)
            #expect(try c.kvExists(k1) == false)
            #expect(try c.kvPut(k1, Data("v1".utf8)) == false)
            #expect(try c.kvPut(k1, Data("v1b".utf8)) == true)
            #expect(try c.kvGet(k1) == Data("v1b".utf8))
            // overwrite: false keeps the old value.
            #expect(try c.kvPut(k1, Data("ignored".utf8), overwrite: false) == true)
            #expect(try c.kvGet(k1) == Data("v1b".utf8))
            try c.kvPut(k2, Data([0, 255]))
            #expect(try c.kvGet(k2) == Data([0, 255]))
            #expect(try c.kvExists(k2))
            #expect(Set(try c.kvList(prefix: Data(p.utf8))) == [k1, k2])
            #expect(try c.kvDelete(k1) == 1)
            #expect(try c.kvGet(k1) == nil)
            #expect(try c.kvDelete(Data(p.utf8), byPrefix: true) == 1)
            #expect(try c.kvList(prefix: Data(p.utf8)).isEmpty)
        }

        @Test func namespacesAreSeparate() throws {
            let c = try Fixture.client()
            let k = Data(Fixture.unique("swift-kv-ns").utf8)
            try c.kvPut(k, Data("a".utf8), namespace: "swift-ns-a")
            #expect(try c.kvGet(k, namespace: "swift-ns-a") == Data("a".utf8))
            #expect(try c.kvGet(k, namespace: "swift-ns-b") == nil)
            #expect(try c.kvGet(k) == nil)
            #expect(try c.kvExists(k, namespace: "swift-ns-a"))
            #expect(try c.kvList(prefix: k, namespace: "swift-ns-a") == [k])
            #expect(try c.kvDelete(k, namespace: "swift-ns-a") == 1)
            #expect(throws: RayError.self) { try c.kvGet(k, namespace: "bad\u{0}ns") }
        }
    }

    /// Cluster information and placement groups.
    @Suite struct ClusterTests {
        @Test func resourcesNodesAndContext() async throws {
            let c = try Fixture.client()
            let total = try c.clusterResources()
            #expect((total["CPU"] ?? 0) >= 1, "\(total)")
            let avail = try c.availableResources()
            #expect(avail.keys.allSatisfy { total[$0] != nil }, "\(avail) vs \(total)")
            #expect((avail["CPU"] ?? 0) <= total["CPU"]!)
            let nodes = try c.nodes()
            #expect(nodes.contains { $0["Alive"] == true })
            let ctx = try c.runtimeContext()
            #expect(!ctx.jobID.isEmpty && !ctx.nodeID.isEmpty)
            #expect(ctx.namespace == "swift-tests")
            #expect(ctx.runtimeEnv.contains("working_dir"), "\(ctx.runtimeEnv)")
            #expect(!ctx.gcsAddress.isEmpty && !ctx.sessionName.isEmpty)
            // The test cluster's release sends the worker id (the driver of this client's server).
            #expect(ctx.workerID?.count == 56, "\(ctx)")
            // The timeline: a task that ran shows once the cluster reported it (polled).
            let marker = "swift_timeline_marker_\(ProcessInfo.processInfo.processIdentifier)"
            let fn = try RemoteFunction(source: "def \(marker)():\n    return 1\n", name: marker)
            #expect(try await c.get(c.call(fn), as: Int.self) == 1)
            while try !c.timeline().contains(where: { "\($0)".contains(marker) }) {
                try await Task.sleep(for: .milliseconds(500))
            }
            // A ref's task id is what the task itself reads, and the start of the object id.
            let r = try c.call(task("my_task_id"))
            let taskID = try r.taskID()
            let objectID = try r.hex()
            #expect(taskID.count == 48 && objectID.hasPrefix(taskID))
            #expect(try await c.get(r, as: String.self) == taskID)
            let url = try c.dashboardURL()
            #expect(url.isEmpty || url.contains(":"), "\(url)")
            #expect(try c.serverIsInitialized())
            try c.ping()
            #expect(RayClient.libraryVersion.split(separator: ".").count == 3)
        }

        @Test func placementGroups() async throws {
            let c = try Fixture.client()
            let name = Fixture.unique("swift-pg")
            let pg = try c.createPlacementGroup(bundles: [["CPU": 1]], strategy: .strictPack, name: name)
            #expect(pg.id.count > 0 && pg.id.allSatisfy(\.isHexDigit))
            #expect(try c.waitPlacementGroup(pg, timeout: .seconds(120)))
            #expect(try c.placementGroupTable(pg)["state"] == "CREATED")
            var o = Options()
            o.numCPUs = 1
            o.scheduling = .placementGroup(pg, bundleIndex: 0)
            #expect(try await c.get(c.call(task("square"), [6], options: o), as: Int.self) == 36)
            o.scheduling = .placementGroup(pg, captureChildTasks: true)
            #expect(try await c.get(c.call(task("square"), [7], options: o), as: Int.self) == 49)
            try c.removePlacementGroup(pg)
            let removed = try await Fixture.eventually { try c.placementGroupTable(pg)["state"] == "REMOVED" }
            #expect(removed)
            // An impossible group is never placed.
            let huge = try c.createPlacementGroup(bundles: [["CPU": 10_000]], strategy: .spread)
            #expect(try c.waitPlacementGroup(huge, timeout: .milliseconds(500)) == false)
            try c.removePlacementGroup(huge)
            await expectRayError({ $0.isInvalidArgument }) {
                _ = try c.createPlacementGroup(bundles: [], strategy: .pack)
            }
        }

        @Test func placementGroupOptions() async throws {
            let c = try Fixture.client()
            let name = Fixture.unique("swift-pg-detached")
            let pg = try c.createPlacementGroup(bundles: [["CPU": 0.5]], name: name, detached: true)
            #expect(try c.waitPlacementGroup(pg, timeout: .seconds(120)))
            #expect(try c.placementGroup(named: name).id == pg.id)
            #expect(try c.placementGroupTable()[pg.id]?["name"] == .string(name))
            try c.removePlacementGroup(pg)
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.placementGroup(named: "swift-pg-no-such-group") }
            // A soft target node: the second node of the test cluster.
            let node2 = try #require(ProcessInfo.processInfo.environment["RAY_TEST_NODE_rc_node2"])
            let soft = try c.createPlacementGroup(bundles: [["CPU": 0.5]], strategy: .strictPack, softTargetNodeID: node2)
            #expect(try c.waitPlacementGroup(soft, timeout: .seconds(120)))
            #expect("\(try c.placementGroupTable(soft)["bundles_to_node_id"] ?? .none)".contains(node2))
            try c.removePlacementGroup(soft)
            // Bundle label selectors and the label_selector option (Ray's node-id label).
            let byLabel = try c.createPlacementGroup(bundles: [["CPU": 0.5]], bundleLabelSelector: [["ray.io/node-id": node2]])
            #expect(try c.waitPlacementGroup(byLabel, timeout: .seconds(120)))
            #expect("\(try c.placementGroupTable(byLabel)["bundles_to_node_id"] ?? .none)".contains(node2))
            try c.removePlacementGroup(byLabel)
            let onNode2 = try Options().setting("label_selector", RayValue.dict([(key: "ray.io/node-id", value: .string(node2))]))
            #expect(try await c.get(c.call(task("node_id"), options: onNode2)) == .string(node2))
        }
    }
}
