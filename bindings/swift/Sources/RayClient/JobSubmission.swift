// Ray Jobs' values: JobSubmission (a job to submit, with its UploadProgress closure),
// JobStatus and JobDetails (what the dashboard knows of a job), and the C submission made
// from a JobSubmission.
import CRayClient
import Foundation

/// A job's state (Python's `JobStatus`).
public enum JobStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting for its entrypoint to start (runtime environment, resources).
    case pending = "PENDING"
    /// The entrypoint runs.
    case running = "RUNNING"
    /// Stopped by ``Dashboard/stopJob(_:)``.
    case stopped = "STOPPED"
    /// The entrypoint exited with 0.
    case succeeded = "SUCCEEDED"
    /// The entrypoint exited with another code, or could not start.
    case failed = "FAILED"

    /// Whether the job is over (stopped, succeeded or failed).
    public var isTerminal: Bool { self == .stopped || self == .succeeded || self == .failed }
}

/// What the dashboard knows of one job (Python's `JobDetails`): typed fields, and
/// everything it sent in ``raw``.
public struct JobDetails: Sendable, Hashable {
    /// `"SUBMISSION"` for a job submitted through the Jobs API, `"DRIVER"` for a driver
    /// connected by other means (a script calling `ray.init`, a Ray Client).
    public var type: String
    /// Ray's job id (hex), once the job's driver started.
    public var jobID: String?
    /// The id the submission was given (nil for drivers).
    public var submissionID: String?
    public var status: JobStatus
    /// The shell command the cluster runs.
    public var entrypoint: String
    /// The status in more words (`"Job finished successfully."`, the exit code of a
    /// failed one).
    public var message: String?
    /// Why it failed, e.g. `"JOB_ENTRYPOINT_COMMAND_ERROR"`.
    public var errorType: String?
    public var startTime: Date?
    /// Once the job is over.
    public var endTime: Date?
    public var metadata: [String: String]
    /// The runtime environment as the cluster holds it (a local `working_dir` became its
    /// package's URI, `gcs://_ray_pkg_<hash>.zip`); `.none` without one.
    public var runtimeEnv: RayValue
    /// The node the entrypoint runs on (hex).
    public var driverNodeID: String?
    /// The entrypoint's exit code, once it exited.
    public var driverExitCode: Int?
    /// Everything the dashboard sent (a dict), fields newer than this binding too.
    public var raw: RayValue
}

extension JobDetails: Decodable {
    private enum CodingKeys: String, CodingKey {
        case type, status, entrypoint, message, metadata
        case jobID = "job_id", submissionID = "submission_id", errorType = "error_type"
        case startTime = "start_time", endTime = "end_time", runtimeEnv = "runtime_env"
        case driverNodeID = "driver_node_id", driverExitCode = "driver_exit_code"
    }

    /// Reads the dashboard's JSON of one job (what `ray_client_job_info` gives).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        raw = try JSONAny(from: decoder).value
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        jobID = try c.decodeIfPresent(String.self, forKey: .jobID)
        submissionID = try c.decodeIfPresent(String.self, forKey: .submissionID)
        status = try c.decode(JobStatus.self, forKey: .status)
        entrypoint = try c.decodeIfPresent(String.self, forKey: .entrypoint) ?? ""
        message = try c.decodeIfPresent(String.self, forKey: .message)
        errorType = try c.decodeIfPresent(String.self, forKey: .errorType)
        // Unix milliseconds.
        let time = { (k: CodingKeys) in try c.decodeIfPresent(Double.self, forKey: k).map { Date(timeIntervalSince1970: $0 / 1000) } }
        startTime = try time(.startTime)
        endTime = try time(.endTime)
        runtimeEnv = try c.decodeIfPresent(JSONAny.self, forKey: .runtimeEnv)?.value ?? .none
        driverNodeID = try c.decodeIfPresent(String.self, forKey: .driverNodeID)
        driverExitCode = try c.decodeIfPresent(Int.self, forKey: .driverExitCode)
        // Values are strings as Ray stores them; anything else is kept as its JSON-ish text
        // rather than failing the whole record (the library does the same).
        var meta: [String: String] = [:]
        if case .dict(let pairs) = try c.decodeIfPresent(JSONAny.self, forKey: .metadata)?.value ?? .none {
            for (k, v) in pairs {
                guard case .string(let key) = k else { continue }
                if case .string(let s) = v { meta[key] = s } else { meta[key] = "\(v)" }
            }
        }
        metadata = meta
    }
}

/// How a package upload of ``Dashboard/submitJob(_:)`` goes.
public struct UploadProgress: Sendable, Hashable {
    /// The package's URI, `gcs://_ray_pkg_<hash>.zip` (what the job's
    /// ``JobDetails/runtimeEnv`` names after the upload).
    public var uri: String
    /// Bytes sent so far; equal to ``total`` once the package is sent.
    public var sent: UInt64
    public var total: UInt64
}

/// A job to submit (the arguments of Python's `submit_job`). A value type: set what you
/// need, leave the rest nil; checked when submitted (an empty entrypoint, a negative
/// resource amount, runtime env text that is not a JSON object throw
/// `RayError.invalidArgument` before anything is sent).
///
/// ```swift
/// var job = JobSubmission(entrypoint: "python train.py --epochs 3")
/// try job.setRuntimeEnv(workingDir: "./project", envVars: ["MODE": "fast"])
/// job.metadata = ["owner": "me"]
/// job.uploadProgress = { p in print("\(p.uri): \(p.sent)/\(p.total)") }
/// ```
public struct JobSubmission: Sendable {
    /// The shell command the cluster runs.
    public var entrypoint: String
    /// The job's id; nil: the dashboard makes one (`raysubmit_...`).
    public var submissionID: String?
    /// The runtime environment as JSON text (an object: `working_dir`, `py_modules`,
    /// `env_vars`, `pip`, ...). A local `working_dir` or `py_modules` path is zipped and
    /// uploaded when the job is submitted, under the content-hash name Python gives it,
    /// and not again while the cluster has it. See ``setRuntimeEnv(workingDir:pyModules:envVars:)``.
    public var runtimeEnvJSON: String?
    public var metadata: [String: String] = [:]
    /// CPUs reserved for the entrypoint itself (nil: none).
    public var entrypointNumCPUs: Double?
    /// GPUs reserved for the entrypoint itself (nil: none).
    public var entrypointNumGPUs: Double?
    /// Memory in bytes reserved for the entrypoint itself (nil or 0: none).
    public var entrypointMemory: UInt64?
    /// Custom resources reserved for the entrypoint itself, e.g. `["rc_node2": 1]`.
    public var entrypointResources: [String: Double] = [:]
    /// Told how package uploads go (a local `working_dir` or `py_modules` the cluster
    /// lacks), after each piece. It runs on the library's I/O thread during
    /// ``Dashboard/submitJob(_:)``: return quickly, make no blocking calls of this library
    /// (they fail there), hand work to a task or queue.
    public var uploadProgress: (@Sendable (UploadProgress) -> Void)?

    public init(entrypoint: String) { self.entrypoint = entrypoint }

    /// Sets ``runtimeEnvJSON`` to a local `working_dir` and `py_modules` (uploaded) and
    /// `env_vars`.
    public mutating func setRuntimeEnv(
        workingDir: String? = nil, pyModules: [String] = [], envVars: [String: String] = [:]
    ) throws {
        var env: [String: Any] = [:]
        if let workingDir { env["working_dir"] = workingDir }
        if !pyModules.isEmpty { env["py_modules"] = pyModules }
        if !envVars.isEmpty { env["env_vars"] = envVars }
        let data = try JSONSerialization.data(withJSONObject: env, options: [.sortedKeys])
        runtimeEnvJSON = String(decoding: data, as: UTF8.self)
    }
}

/// Keeps an upload progress closure alive while the library may call it (during one
/// submit).
final class UploadProgressSink: @unchecked Sendable {
    let body: @Sendable (UploadProgress) -> Void
    init(_ body: @escaping @Sendable (UploadProgress) -> Void) { self.body = body }
}

extension JobSubmission {
    /// Submits through the C dashboard handle `dashboard` (blocking: uploads, then one
    /// request) and returns the submission id.
    func submit(_ dashboard: OpaquePointer) throws -> String {
        // The library takes a negative amount for "unset": refuse one here instead of
        // silently dropping the reservation.
        for (name, n) in [("entrypointNumCPUs", entrypointNumCPUs), ("entrypointNumGPUs", entrypointNumGPUs)] {
            if let n, !(n >= 0 && n.isFinite) { throw RayError.invalid("\(name) must be a number >= 0 (got \(n))") }
        }
        var s: OpaquePointer?
        try withCString(entrypoint, "entrypoint") { try check(ray_client_job_submission_new($0, &s)) }
        let sub = s!
        defer { ray_client_job_submission_free(sub) }
        if let id = submissionID {
            try withCString(id, "submission id") { try check(ray_client_job_submission_set_submission_id(sub, $0)) }
        }
        if let env = runtimeEnvJSON {
            try withCString(env, "runtime_env JSON") { try check(ray_client_job_submission_set_runtime_env_json(sub, $0)) }
        }
        for (k, v) in metadata {
            try withCString(k, "metadata key") { k in
                try withCString(v, "metadata value") { v in try check(ray_client_job_submission_add_metadata(sub, k, v)) }
            }
        }
        try check(
            ray_client_job_submission_set_entrypoint_resources(
                sub, entrypointNumCPUs ?? -1, entrypointNumGPUs ?? -1, entrypointMemory ?? 0))
        for (name, amount) in entrypointResources {
            try withCString(name, "resource name") { try check(ray_client_job_submission_add_entrypoint_resource(sub, $0, amount)) }
        }
        // The library calls the closure only inside ray_client_job_submit, below; the sink
        // lives until that returns.
        let sink = uploadProgress.map(UploadProgressSink.init)
        if let sink {
            try check(
                ray_client_job_submission_set_upload_progress(
                    sub,
                    { user, uri, sent, total in
                        guard let user else { return }
                        let sink = Unmanaged<UploadProgressSink>.fromOpaque(user).takeUnretainedValue()
                        sink.body(UploadProgress(uri: uri.map { String(cString: $0) } ?? "", sent: sent, total: total))
                    }, Unmanaged.passUnretained(sink).toOpaque()))
        }
        var id: UnsafeMutablePointer<CChar>?
        try withExtendedLifetime(sink) { try check(ray_client_job_submit(dashboard, sub, &id)) }
        return takeString(id)
    }
}
