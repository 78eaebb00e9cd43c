import Foundation
import Testing

@testable import RayClient

#if canImport(Glibc)
    import Glibc
#endif

extension Fixture {
    struct MissingDashboard: Error, CustomStringConvertible {
        var description: String {
            "RAY_TEST_DASHBOARD_URL is not set: the test cluster runs no dashboard (tests/harness/ray-cluster writes it to DIR/env)"
        }
    }

    /// The test cluster's dashboard URL (`RAY_TEST_DASHBOARD_URL`, which
    /// tests/harness/ray-cluster writes); without it the dashboard tests fail.
    static func dashboardURL() throws -> String {
        guard let u = ProcessInfo.processInfo.environment["RAY_TEST_DASHBOARD_URL"], !u.isEmpty else {
            throw MissingDashboard()
        }
        return u
    }

    static func dashboard() async throws -> Dashboard {
        try await Dashboard(address: try dashboardURL())
    }

    /// A fresh working_dir holding `files` (name: text); unique text in them makes the
    /// package new to the cluster, so it is uploaded.
    static func jobDir(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(unique("rc-swift-job"))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        }
        return dir.path
    }

    struct NoFreePort: Error {}

    /// A loopback port nothing listens on (bound, read, closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NoFreePort() }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw NoFreePort() }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

extension RayError {
    var isNotFound: Bool { if case .notFound = self { return true } else { return false } }
    var isServerError: Bool { if case .serverError = self { return true } else { return false } }
}

extension AllTests {
    /// The dashboard against the real cluster's: Ray Jobs (submit from a local
    /// working_dir with upload progress, wait, logs, the followed log, stop, delete,
    /// list), the state lists and the task summary, and errors. Mirrors
    /// bindings/go/dashboard_test.go, tests/jobs.rs and tests/state.rs. No test has a
    /// time limit: what never happens shows as a test running on.
    @Suite struct DashboardTests {
        @Test func aJobFromALocalWorkingDirSucceedsWithUploadProgressLogsAndDetails() async throws {
            let url = try Fixture.dashboardURL()
            var o = DashboardOptions(address: url)
            o.metadata = ["suite": "swift"]
            let d = try await Dashboard(o)
            #expect(d.url == url)
            #expect(d.rayVersion.hasPrefix("2."), "\(d.rayVersion)")

            let id = Fixture.unique("rc-swift-hello")
            let marker = "hello from swift \(id)"
            let dir = try Fixture.jobDir(["hello.py": "import sys\nprint('\(marker)', sys.argv[1])\n"])
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var job = JobSubmission(entrypoint: "python hello.py jobs-test")
            job.submissionID = id
            job.metadata = ["owner": "swift-test"]
            try job.setRuntimeEnv(workingDir: dir)
            let uploads = Collected<UploadProgress>()
            job.uploadProgress = { uploads.append($0) }
            #expect(try await d.submitJob(job) == id)

            let info = try await d.waitJob(id)
            #expect(info.status == .succeeded, "\(info)")
            #expect(info.type == "SUBMISSION")
            #expect(info.submissionID == id)
            #expect(info.entrypoint == "python hello.py jobs-test")
            #expect(info.metadata["owner"] == "swift-test" && info.metadata["suite"] == "swift", "\(info.metadata)")
            #expect(info.driverExitCode == 0)
            #expect(info.message?.isEmpty == false)
            #expect(info.errorType == nil)
            #expect(info.driverNodeID?.isEmpty == false)
            let start = try #require(info.startTime)
            let end = try #require(info.endTime)
            #expect(end >= start)
            let uri = try String(rayValue: try #require(info.runtimeEnv["working_dir"]))
            #expect(uri.hasPrefix("gcs://_ray_pkg_") && uri.hasSuffix(".zip"), "\(uri)")
            #expect(info.raw["entrypoint"] == "python hello.py jobs-test")
            #expect(info.raw["submission_id"] == .string(id))

            // The upload told its progress, up to the whole package.
            let told = uploads.all
            let last = try #require(told.last, "no upload progress")
            #expect(last.uri == uri)
            #expect(last.total > 0 && last.sent == last.total, "\(told)")
            #expect(told.allSatisfy { $0.uri == uri && $0.sent <= $0.total })

            #expect(try await d.jobLogs(id).contains("\(marker) jobs-test"))
            #expect(try await d.jobStatus(id) == .succeeded)
            // No Ray job id: the script never connected to Ray (no `ray.init`).
            #expect(info.jobID == nil)
            #expect(try await d.jobInfo(id) == info)

            // The same directory again: the cluster has the package, nothing is uploaded.
            let again = Fixture.unique("rc-swift-hello-again")
            let uploadsAgain = Collected<UploadProgress>()
            job.submissionID = again
            job.uploadProgress = { uploadsAgain.append($0) }
            try await d.submitJob(job)
            let info2 = try await d.waitJob(again)
            #expect(info2.status == .succeeded)
            #expect(info2.runtimeEnv["working_dir"] == .string(uri))
            #expect(uploadsAgain.all.isEmpty, "uploaded again: \(uploadsAgain.all)")

            // Both are in the list, and the state API lists them too.
            let listed = try await d.listJobs().compactMap(\.submissionID)
            #expect(listed.contains(id) && listed.contains(again))
            let states = try await d.listJobStates(ListOptions(filters: [StateFilter("submission_id", .equal, id)]))
            #expect(states.map(\.status) == ["SUCCEEDED"], "\(states)")
            #expect(try await d.deleteJob(again))
        }

        @Test func aFailingJobFailsWithItsExitCodeAndMessage() async throws {
            let d = try await Fixture.dashboard()
            let id = try await d.submitJob(
                JobSubmission(entrypoint: "python -c \"import sys; print('about to fail', flush=True); sys.exit(1)\""))
            #expect(id.hasPrefix("raysubmit_"), "\(id)")
            let info = try await d.waitJob(id)
            #expect(info.status == .failed, "\(info)")
            #expect(info.status.isTerminal)
            #expect(info.driverExitCode == 1)
            let message = info.message ?? ""
            #expect(message.contains("exit code 1"), "\(message)")
            #expect(info.errorType?.isEmpty == false, "\(info)")
            #expect(try await d.jobLogs(id).contains("about to fail"))
            #expect(try await d.deleteJob(id))
        }

        @Test func aLongJobStopsThenDeletesThenIsNotFound() async throws {
            let d = try await Fixture.dashboard()
            let id = try await d.submitJob(JobSubmission(entrypoint: "python -c 'import time; time.sleep(600)'"))
            while try await d.jobStatus(id) != .running {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try await d.jobInfo(id).status == .running)
            #expect(JobStatus.running.isTerminal == false)

            // A running job cannot be deleted.
            await expectRayError({ $0.isServerError }) { try await d.deleteJob(id) }
            // A wait shorter than the job times out.
            let timedOut = await expectRayError({ $0.isTimeout }) { _ = try await d.waitJob(id, timeout: .milliseconds(300)) }
            #expect(timedOut?.message.contains(id) == true, "\(String(describing: timedOut))")
            // Cancelling a wait ends it at once; the job runs on.
            let waiter = Task { try await d.waitJob(id) }
            try await Task.sleep(for: .milliseconds(300))
            waiter.cancel()
            let waited = await waiter.result
            #expect(throws: CancellationError.self) { try waited.get() }
            #expect(try await d.jobStatus(id) == .running)

            #expect(try await d.stopJob(id))
            let info = try await d.waitJob(id)
            #expect(info.status == .stopped, "\(info)")
            #expect(try await d.stopJob(id) == false, "stopped twice")
            #expect(try await d.deleteJob(id))

            let gone = await expectRayError({ $0.isNotFound }) { _ = try await d.jobInfo(id) }
            #expect(gone?.message.contains(id) == true, "\(String(describing: gone))")
            await expectRayError({ $0.isNotFound }) { _ = try await d.jobStatus(id) }
            await expectRayError({ $0.isNotFound }) { _ = try await d.jobLogs(id) }
            await expectRayError({ $0.isNotFound }) { _ = try await d.tailJobLogs(id) }
            await expectRayError({ $0.isNotFound }) { try await d.stopJob(id) }
        }

        @Test func theTailYieldsEveryLineInOrderUntilTheJobEnds() async throws {
            let d = try await Fixture.dashboard()
            let dir = try Fixture.jobDir([
                "count.py": "import time\nfor i in range(20):\n    print(f'line {i}', flush=True)\n    time.sleep(0.1)\n"
            ])
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var job = JobSubmission(entrypoint: "python count.py")
            try job.setRuntimeEnv(workingDir: dir)
            let id = try await d.submitJob(job)
            var text = ""
            var chunks = 0
            for try await chunk in try await d.tailJobLogs(id) {
                text += chunk
                chunks += 1
            }
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("line ") }.map(String.init)
            #expect(lines == (0..<20).map { "line \($0)" }, "\(text)")
            #expect(chunks >= 1)
            // The log ended with the job.
            #expect(try await d.jobStatus(id).isTerminal)
            #expect(try await d.jobInfo(id).status == .succeeded)

            // An ended job's log is told from its start, then ends; breaking out of the
            // loop stops following.
            var first = ""
            for try await chunk in try await d.tailJobLogs(id) {
                first = chunk
                break
            }
            #expect(first.contains("line 0"), "\(first)")
            // Once over, an iterator stays over.
            let tail = try await d.tailJobLogs(id)
            var it = tail.makeAsyncIterator()
            var all = ""
            while let chunk = try await it.next() { all += chunk }
            #expect(all.contains("line 19"))
            #expect(try await it.next() == nil)
        }

        @Test func stateListsNodesActorsTasksWorkersAndTheTaskSummary() async throws {
            let d = try await Fixture.dashboard()
            let c = try Fixture.client()
            let name = Fixture.unique("swift-state")
            var o = Options()
            o.name = name
            o.numCPUs = 0
            let actor = try c.createActor(actorClass("Counter"), [1], options: o)
            #expect(try await c.get(c.call(actor, method: "incr", [2]), as: Int.self) == 3)
            #expect(try await c.get(c.call(task("square"), [9]), as: Int.self) == 81)

            // The actor, by name: alive, with its class.
            let actors = try await d.listActors(ListOptions(filters: [StateFilter("name", .equal, name)]))
            #expect(actors.count == 1, "\(actors)")
            let a = try #require(actors.first)
            #expect(a.state == "ALIVE" && a.className == "Counter", "\(a)")
            #expect(try a.actorID == actor.id())
            #expect((a.pid ?? 0) > 0 && a.rayNamespace == "swift-tests")
            #expect(a.raw["name"] == .string(name))

            // Its method ran; the cluster reports task events a moment later, so ask again
            // until they show (no time limit: events that never come show as this test
            // running on).
            let byActor = ListOptions(detail: true, filters: [StateFilter("actor_id", .equal, try #require(a.actorID))])
            while try await !d.listTasks(byActor).contains(where: {
                $0.type == "ACTOR_TASK" && $0.funcOrClassName?.contains("incr") == true && $0.taskID != nil
            }) {
                try await Task.sleep(for: .milliseconds(200))
            }
            let square = ListOptions(detail: true, filters: [StateFilter("func_or_class_name", .equal, "square")])
            while try await !d.listTasks(square).contains(where: { $0.state == "FINISHED" && $0.nodeID != nil }) {
                try await Task.sleep(for: .milliseconds(200))
            }

            // Nodes: the head and the second node, alive, with CPUs.
            let nodes = try await d.listNodes()
            let alive = nodes.filter { $0.state == "ALIVE" }
            #expect(alive.count >= 2, "\(nodes)")
            #expect(alive.filter { $0.isHeadNode == true }.count == 1)
            #expect(alive.allSatisfy { ($0.resourcesTotal?["CPU"] ?? 0) > 0 && $0.nodeID?.count == 56 }, "\(alive)")
            if let node2 = ProcessInfo.processInfo.environment["RAY_TEST_NODE_rc_node2"] {
                #expect(alive.contains { $0.nodeID == node2 && $0.resourcesTotal?["rc_node2"] != nil }, "\(alive)")
            }
            let headOnly = try await d.listNodes(ListOptions(filters: [StateFilter("is_head_node", .equal, "true")]))
            #expect(headOnly.count == 1 && headOnly[0].isHeadNode == true)

            // Workers, filtered on liveness: after a long run the dead ones alone fill the
            // default page of 100.
            let workers = try await d.listWorkers(ListOptions(filters: [StateFilter("is_alive", .equal, "true")]))
            #expect(!workers.isEmpty)
            #expect(workers.allSatisfy { $0.isAlive == true && ($0.pid ?? 0) > 0 }, "\(workers)")

            // The summary counts both functions, cluster-wide.
            let summary = try await d.summarizeTasks()
            let cluster = try #require(summary["cluster"])
            #expect(cluster["summary"] != nil, "\(cluster)")
            #expect("\(cluster)".contains("square") && "\(cluster)".contains("incr"), "\(cluster)")

            // The raw list: a limit below the count says how many there were.
            let page = try await d.listState(.tasks, ListOptions(limit: 1))
            #expect(page.records.count == 1)
            #expect(page.total >= 2, "\(page.total)")
            #expect(page.records[0]["task_id"] != nil)
            // The other lists read too.
            _ = try await d.listObjects(ListOptions(limit: 10))
            _ = try await d.listPlacementGroups()
            #expect(try await !d.listJobStates().isEmpty)
            for resource in StateResource.allCases {
                _ = try await d.listState(resource, ListOptions(limit: 5, timeout: .seconds(60)))
            }

            // Options refused before anything is sent.
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.listState(.nodes, ListOptions(limit: 0)) }
            await expectRayError({ $0.isInvalidArgument }) {
                _ = try await d.listNodes(ListOptions(filters: [StateFilter("state", .equal, "A\u{0}")]))
            }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.summarizeTasks(timeout: .zero) }
            try c.kill(actor)
        }

        /// A client's job config (Python's `JobConfig(metadata=..., default_actor_lifetime=
        /// "detached")`): the metadata is listed with its job, and an actor created without
        /// a lifetime outlives the client.
        @Test func aClientsJobMetadataIsListedAndItsActorsAreDetached() async throws {
            let d = try await Fixture.dashboard()
            let tag = Fixture.unique("swift-job-config")
            var o = try Fixture.options(namespace: "rc-swift-job-config")
            o.logs = .off
            o.jobMetadata = ["test": tag]
            o.detachedActors = true
            #expect(o.description.contains("detachedActors: true"))
            let c = try RayClient(o)
            var named = Options()
            named.name = tag
            let actor = try c.createActor(actorClass("Counter"), [1], options: named)
            #expect(try await c.get(c.call(actor, method: "incr", [1]), as: Int.self) == 2)
            let jobID = try c.runtimeContext().jobID
            try c.disconnect()

            let job = try await d.listJobs().first { $0.jobID == jobID }
            #expect(job?.metadata["test"] == tag, "\(String(describing: job))")
            let other = try Fixture.client()
            let again = try other.actor(named: tag, namespace: "rc-swift-job-config")
            #expect(try await other.get(other.call(again, method: "incr", [1]), as: Int.self) == 3)
            try other.kill(again)
        }

        @Test func cancellingEndsAWaitAndATailAndNoHandleIsLeft() async throws {
            let before = RayClient.liveHandles
            do {
                let d = try await Fixture.dashboard()
                let id = try await d.submitJob(JobSubmission(entrypoint: "python -c 'import time; time.sleep(600)'"))
                let tail = try await d.tailJobLogs(id)
                let following = Task {
                    var text = ""
                    for try await chunk in tail { text += chunk }
                    return text
                }
                let waiting = Task { try await d.waitJob(id) }
                try await Task.sleep(for: .milliseconds(500))
                following.cancel()
                waiting.cancel()
                await #expect(throws: CancellationError.self) { _ = try await following.value }
                await #expect(throws: CancellationError.self) { _ = try await waiting.value }
                #expect(try await d.jobStatus(id).isTerminal == false)
                // A read abandoned by cancellation ends when its chunk comes: here, the end
                // of the log when the job stops; then the tail is freed.
                #expect(try await d.stopJob(id))
                #expect(try await d.waitJob(id).status == .stopped)
                #expect(try await d.deleteJob(id))
                _ = try? await d.jobInfo(id)
            }
            // The threads of the last calls let go of the dashboard and the tail a moment
            // after their results arrived (no time limit: a leak shows as this test
            // running on).
            while RayClient.liveHandles != before {
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        /// A Ray Client address: the cluster is asked where its dashboard is.
        @Test func aRayClientAddressFindsTheDashboard() async throws {
            let d = try await Dashboard(address: try Fixture.address())
            let url = try Fixture.dashboardURL()
            #expect(d.url == url)
        }

        @Test func errorsAreClear() async throws {
            // Nothing listening: a connection error naming the address.
            let port = try Fixture.freePort()
            let e = await expectRayError({ $0.isConnectionFailed }) {
                _ = try await Dashboard(address: "http://127.0.0.1:\(port)")
            }
            #expect(e?.message.contains("127.0.0.1:\(port)") == true, "\(String(describing: e))")
            // Addresses that are no dashboard's.
            await expectRayError({ $0.isInvalidArgument }) { _ = try await Dashboard(address: "ftp://127.0.0.1:1") }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await Dashboard(address: "http://bad\u{0}host") }
            var o = DashboardOptions(address: try Fixture.dashboardURL())
            o.headers = [(name: "bad header", value: "x")]
            await expectRayError({ $0.isInvalidArgument }) { _ = try await Dashboard(o) }
            o.headers = []
            o.timeout = .zero
            await expectRayError({ $0.isInvalidArgument }) { _ = try await Dashboard(o) }
            // The description masks what may be secret.
            o.authToken = "s3cret"
            o.headers = [(name: "cookie", value: "s3cret")]
            #expect(!"\(o)".contains("s3cret") && "\(o)".contains("***"))

            let d = try await Fixture.dashboard()
            // An unknown job, and ids that cannot be one.
            let unknown = await expectRayError({ $0.isNotFound }) { _ = try await d.jobInfo("raysubmit_nosuchjob") }
            #expect(unknown?.message.contains("raysubmit_nosuchjob") == true)
            await expectRayError({ $0.isNotFound }) { _ = try await d.tailJobLogs("raysubmit_nosuchjob") }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.jobInfo("a/b") }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.jobInfo("nul\u{0}id") }
            // Submissions refused before anything is sent.
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.submitJob(JobSubmission(entrypoint: "")) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.submitJob(JobSubmission(entrypoint: "  ")) }
            var negative = JobSubmission(entrypoint: "true")
            negative.entrypointNumCPUs = -1
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.submitJob(negative) }
            var badEnv = JobSubmission(entrypoint: "true")
            badEnv.runtimeEnvJSON = "[1, 2]"
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.submitJob(badEnv) }
            badEnv.runtimeEnvJSON = "{not json"
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.submitJob(badEnv) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try await d.waitJob("x", timeout: .seconds(-1)) }

            // A submission id used twice.
            let id = Fixture.unique("rc-swift-twice")
            var twice = JobSubmission(entrypoint: "true")
            twice.submissionID = id
            try await d.submitJob(twice)
            let dup = await expectRayError({ _ in true }) { try await d.submitJob(twice) }
            #expect(dup?.message.contains("already") == true, "\(String(describing: dup))")
            #expect(try await d.waitJob(id).status == .succeeded)
            #expect(try await d.deleteJob(id))
        }
    }
}
