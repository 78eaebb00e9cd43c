// Ray Jobs through the dashboard (Python's `JobSubmissionClient`): submit, info, status,
// list, stop, delete, logs, wait, and LogTail, a job's log followed as an AsyncSequence.
import CRayClient
import Foundation

/// Ray Jobs: a job is a shell command (its entrypoint) that the cluster runs once, in a
/// runtime environment, as a driver of its own. A job is named by its submission id or
/// its Ray job id; an unknown one throws `RayError.notFound` naming it.
extension Dashboard {
    /// Submits `job`: uploads its local `working_dir` / `py_modules` when the cluster
    /// lacks them (telling ``JobSubmission/uploadProgress``), then asks the dashboard to
    /// run it. Returns the submission id.
    @discardableResult
    public func submitJob(_ job: JobSubmission) async throws -> String {
        try await blocking { try job.submit(self.raw) }
    }

    /// What the dashboard knows of the job with this submission id or job id.
    public func jobInfo(_ id: String) async throws -> JobDetails {
        let text = try await jobString(id) { ray_client_job_info($0, $1, $2) }
        return try decodeJSON(JobDetails.self, text, "jobInfo")
    }

    /// The job's status.
    public func jobStatus(_ id: String) async throws -> JobStatus {
        try await blocking {
            var s: Int32 = -1
            try withCString(id, "job id") { try check(ray_client_job_status(self.raw, $0, &s)) }
            switch s {
            case RAY_CLIENT_JOB_PENDING: return .pending
            case RAY_CLIENT_JOB_RUNNING: return .running
            case RAY_CLIENT_JOB_STOPPED: return .stopped
            case RAY_CLIENT_JOB_SUCCEEDED: return .succeeded
            case RAY_CLIENT_JOB_FAILED: return .failed
            default:
                throw RayError.protocolError(
                    RayErrorDetails(
                        code: RAY_CLIENT_ERROR_PROTOCOL.rawValue, kind: "protocol",
                        message: "jobStatus: unknown job status code \(s) from the library"))
            }
        }
    }

    /// Every job the cluster ran or runs, submitted or not (drivers too).
    public func listJobs() async throws -> [JobDetails] {
        let text = try await blocking {
            var s: UnsafeMutablePointer<CChar>?
            try check(ray_client_job_list(self.raw, &s))
            return takeString(s)
        }
        return try decodeJSON([JobDetails].self, text, "listJobs")
    }

    /// Asks the job to stop (its entrypoint gets SIGTERM, then SIGKILL): true when it was
    /// running, false when it had ended already.
    @discardableResult
    public func stopJob(_ id: String) async throws -> Bool {
        try await jobFlag(id) { ray_client_job_stop($0, $1, $2) }
    }

    /// Deletes an ended job's record (not its logs on disk): true when it was deleted. A
    /// job still running throws `RayError.serverError` (stop it first).
    @discardableResult
    public func deleteJob(_ id: String) async throws -> Bool {
        try await jobFlag(id) { ray_client_job_delete($0, $1, $2) }
    }

    /// The job's whole log so far (its entrypoint's stdout and stderr).
    public func jobLogs(_ id: String) async throws -> String {
        try await jobString(id) { ray_client_job_logs($0, $1, $2) }
    }

    /// Waits until the job is over (stopped, succeeded or failed) and returns its details
    /// then; with a `timeout`, at most that long (`RayError.timeout` when it passes; nil:
    /// no limit). The dashboard is asked every second, as Python's CLI does.
    ///
    /// Cancelling the awaiting task ends the wait at once with `CancellationError` (the
    /// job runs on).
    public func waitJob(_ id: String, timeout: Duration? = nil) async throws -> JobDetails {
        // Polled here rather than in the library's `ray_client_job_wait`: between requests
        // the wait is a `Task.sleep`, which cancellation ends at once and which holds no
        // thread, where an abandoned library wait would keep a thread (and this
        // dashboard) until the job ended.
        if let timeout { _ = try milliseconds(timeout) }  // refuses a negative one
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            let info = try await jobInfo(id)
            if info.status.isTerminal { return info }
            var pause = Duration.seconds(1)
            if let timeout {
                let left = timeout - (clock.now - start)
                if left <= .zero {
                    throw RayError.timeout(
                        RayErrorDetails(
                            code: RAY_CLIENT_ERROR_TIMEOUT.rawValue, kind: "timeout",
                            message: "waitJob: job \(id) is still \(info.status.rawValue) after \(clock.now - start)"))
                }
                pause = min(pause, left)
            }
            try await Task.sleep(for: pause)
        }
    }

    /// Follows the job's log from its start: a ``LogTail`` whose chunks of text (usually
    /// whole lines) come as the job writes them, until the job ends. Throws
    /// `RayError.notFound` here for an unknown job.
    public func tailJobLogs(_ id: String) async throws -> LogTail {
        let handle = try await blocking {
            var t: OpaquePointer?
            try withCString(id, "job id") { try check(ray_client_job_tail_logs(self.raw, $0, &t)) }
            return LogTail.Handle(t!)
        }
        return LogTail(handle: handle)
    }

    /// Runs a C job call that answers with a string (JSON or a log) for the job `id`.
    private func jobString(
        _ id: String,
        _ call: @escaping @Sendable (
            OpaquePointer, UnsafePointer<CChar>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
        ) -> ray_client_status
    ) async throws -> String {
        try await blocking {
            var s: UnsafeMutablePointer<CChar>?
            try withCString(id, "job id") { try check(call(self.raw, $0, &s)) }
            return takeString(s)
        }
    }

    /// Runs a C job call that answers with a flag (stopped, deleted) for the job `id`.
    private func jobFlag(
        _ id: String,
        _ call: @escaping @Sendable (OpaquePointer, UnsafePointer<CChar>, UnsafeMutablePointer<Int32>) -> ray_client_status
    ) async throws -> Bool {
        try await blocking {
            var flag: Int32 = 0
            try withCString(id, "job id") { try check(call(self.raw, $0, &flag)) }
            return flag != 0
        }
    }
}

/// A job's log as it is written (``Dashboard/tailJobLogs(_:)``): iterate it with
/// `for try await chunk in tail`; each chunk is text (usually whole lines, with their
/// newlines), every line once and in order, from the log's start until the job ends,
/// when the iteration ends. An error ends it early: `RayError.connectionLost` when the
/// dashboard went away for longer than a request may take (a restart within that is
/// bridged by the library).
///
/// Ownership: following stops (the log's websocket closes; the job runs on) when the
/// tail, every iterator of it and any read still running are gone; breaking out of the
/// loop over a tail that is not kept elsewhere does it. Cancelling the task that awaits a
/// chunk ends the iteration with `CancellationError`; that chunk is lost to it.
///
/// Thread-safety: `Sendable`. The log is one stream: iterators of the same tail take
/// turns and each chunk goes to one of them. Reading blocks a thread of its own per
/// chunk awaited, never the caller's.
public struct LogTail: AsyncSequence, Sendable {
    public typealias Element = String

    /// Owns the C log tail, freed when the last tail, iterator or read lets go of it.
    /// `Sendable`: the C handle takes turns between threads.
    final class Handle: @unchecked Sendable {
        let raw: OpaquePointer
        init(_ raw: OpaquePointer) { self.raw = raw }
        deinit { ray_client_log_tail_free(raw) }

        /// The next chunk, blocking until there is one; nil once the log ended.
        func next() throws -> String? {
            var chunk: UnsafeMutablePointer<CChar>?
            try check(ray_client_log_tail_next(raw, &chunk))
            return chunk.map { takeString($0) }
        }
    }

    let handle: Handle

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: Handle
        var done = false

        /// The next chunk of the log, nil once the job ended (and after an error).
        public mutating func next() async throws -> String? {
            guard !done else { return nil }
            let h = handle
            do {
                let chunk = try await blocking { try h.next() }
                if chunk == nil { done = true }
                return chunk
            } catch {
                done = true
                throw error
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}
