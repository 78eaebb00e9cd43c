// The typed records of the state lists (Python's `ActorState`, `TaskState`, `NodeState`,
// `ObjectState`, `PlacementGroupState`, `JobState`, `WorkerState`), read from the
// dashboard's JSON with JSONDecoder.
//
// Every field is optional: the dashboard leaves fields out without `detail` (and older or
// newer Rays differ), and a field of an unexpected type reads as nil rather than failing
// the whole list, as the library's Rust API does. Each record keeps everything the
// dashboard sent in `raw`. Values: `Sendable`, `Hashable`.
import Foundation

/// Reads the fields of one record, leniently (see the file's comment).
private struct Fields {
    let c: KeyedDecodingContainer<JSONAny.Key>
    let raw: RayValue

    init(_ decoder: Decoder) throws {
        c = try decoder.container(keyedBy: JSONAny.Key.self)
        raw = try JSONAny(from: decoder).value
    }

    func string(_ key: String) -> String? { (try? c.decodeIfPresent(String.self, forKey: .init(key))) ?? nil }
    func bool(_ key: String) -> Bool? { (try? c.decodeIfPresent(Bool.self, forKey: .init(key))) ?? nil }

    /// A whole number; a float (`123.0`) is cut to one.
    func int(_ key: String) -> Int? {
        if let i = (try? c.decodeIfPresent(Int.self, forKey: .init(key))) ?? nil { return i }
        guard let d = (try? c.decodeIfPresent(Double.self, forKey: .init(key))) ?? nil, d.isFinite,
            d > Double(Int.min), d < Double(Int.max)
        else { return nil }
        return Int(d)
    }

    /// Resources by name (`{"CPU": 1.0}`); entries that are not numbers are left out.
    func resources(_ key: String) -> [String: Double]? {
        guard let d = (try? c.decodeIfPresent([String: JSONAny].self, forKey: .init(key))) ?? nil else { return nil }
        return d.compactMapValues {
            switch $0.value {
            case .int(let i): Double(i)
            case .float(let f): f
            default: nil
            }
        }
    }
}

/// An actor (Python's `ActorState`).
public struct ActorState: Sendable, Hashable, Decodable {
    public var actorID: String?
    public var className: String?
    /// `DEPENDENCIES_UNREADY`, `PENDING_CREATION`, `ALIVE`, `RESTARTING` or `DEAD`.
    public var state: String?
    public var jobID: String?
    public var name: String?
    public var nodeID: String?
    public var pid: Int?
    public var rayNamespace: String?
    public var isDetached: Bool?
    public var placementGroupID: String?
    public var reprName: String?
    public var requiredResources: [String: Double]?
    public var numRestarts: Int?
    /// Everything the dashboard sent for this record (a dict).
    public var raw: RayValue

    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder)
        actorID = f.string("actor_id")
        className = f.string("class_name")
        state = f.string("state")
        jobID = f.string("job_id")
        name = f.string("name")
        nodeID = f.string("node_id")
        pid = f.int("pid")
        rayNamespace = f.string("ray_namespace")
        isDetached = f.bool("is_detached")
        placementGroupID = f.string("placement_group_id")
        reprName = f.string("repr_name")
        requiredResources = f.resources("required_resources")
        numRestarts = f.int("num_restarts")
        raw = f.raw
    }
}

/// A task attempt (Python's `TaskState`).
public struct TaskState: Sendable, Hashable, Decodable {
    public var taskID: String?
    public var attemptNumber: Int?
    public var name: String?
    /// `PENDING_ARGS_AVAIL`, ..., `RUNNING`, `FINISHED`, `FAILED`.
    public var state: String?
    public var jobID: String?
    public var actorID: String?
    /// `NORMAL_TASK`, `ACTOR_CREATION_TASK`, `ACTOR_TASK` or `DRIVER_TASK`.
    public var type: String?
    public var funcOrClassName: String?
    public var parentTaskID: String?
    public var nodeID: String?
    public var workerID: String?
    public var errorType: String?
    public var errorMessage: String?
    /// Everything the dashboard sent for this record (a dict).
    public var raw: RayValue

    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder)
        taskID = f.string("task_id")
        attemptNumber = f.int("attempt_number")
        name = f.string("name")
        state = f.string("state")
        jobID = f.string("job_id")
        actorID = f.string("actor_id")
        type = f.string("type")
        funcOrClassName = f.string("func_or_class_name")
        parentTaskID = f.string("parent_task_id")
        nodeID = f.string("node_id")
        workerID = f.string("worker_id")
        errorType = f.string("error_type")
        errorMessage = f.string("error_message")
        raw = f.raw
    }
}

/// A node (Python's `NodeState`).
public struct NodeState: Sendable, Hashable, Decodable {
    public var nodeID: String?
    public var nodeIP: String?
    public var isHeadNode: Bool?
    /// `ALIVE` or `DEAD`.
    public var state: String?
    public var stateMessage: String?
    public var nodeName: String?
    public var resourcesTotal: [String: Double]?
    /// Unix milliseconds.
    public var startTimeMs: Int?
    public var endTimeMs: Int?
    /// Everything the dashboard sent for this record (a dict).
    public var raw: RayValue

    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder)
        nodeID = f.string("node_id")
        nodeIP = f.string("node_ip")
        isHeadNode = f.bool("is_head_node")
        state = f.string("state")
        stateMessage = f.string("state_message")
        nodeName = f.string("node_name")
        resourcesTotal = f.resources("resources_total")
        startTimeMs = f.int("start_time_ms")
        endTimeMs = f.int("end_time_ms")
        raw = f.raw
    }
}

/// An object in the object store (Python's `ObjectState`).
public struct ObjectState: Sendable, Hashable, Decodable {
    public var objectID: String?
    /// Bytes.
    public var objectSize: Int?
    public var taskStatus: String?
    /// `LOCAL_REFERENCE`, `PINNED_IN_MEMORY`, `USED_BY_PENDING_TASK`, ...
    public var referenceType: String?
    public var callSite: String?
    /// `WORKER` or `DRIVER`: who holds the reference.
    public var type: String?
    public var pid: Int?
    public var ip: String?
    /// Everything the dashboard sent for this record (a dict).
    public var raw: RayValue

    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder)
        objectID = f.string("object_id")
        objectSize = f.int("object_size")
        taskStatus = f.string("task_status")
        referenceType = f.string("reference_type")
        callSite = f.string("call_site")
        type = f.string("type")
        pid = f.int("pid")
        ip = f.string("ip")
        raw = f.raw
    }
}

/// A placement group (Python's `PlacementGroupState`).
public struct PlacementGroupState: Sendable, Hashable, Decodable {
    public var placementGroupID: String?
    public var name: String?
    public var creatorJobID: String?
    /// `PENDING`, `PREPARED`, `CREATED`, `REMOVED` or `RESCHEDULING`.
    public var state: String?
    public var isDetached: Bool?
    /// Everything the dashboard sent for this record (a dict).
    public var raw: RayValue

    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder)
        placementGroupID = f.string("placement_group_id")
        name = f.string("name")
        creatorJobID = f.string("creator_job_id")
        state = f.string("state")
        isDetached = f.bool("is_detached")
        raw = f.raw
    }
}

/// A job as the state API lists it (Python's `JobState`: the Jobs API's details of every
/// job, drivers too).
public struct JobState: Sendable, Hashable, Decodable {
    public var jobID: String?
    public var submissionID: String?
    /// A ``JobStatus`` raw value (`RUNNING`, `SUCCEEDED`, ...).
    public var status: String?
    public var entrypoint: String?
    /// `SUBMISSION` or `DRIVER`.
    public var type: String?
    public var message: String?
    public var errorType: String?
    /// Unix milliseconds.
    public var startTime: Int?
    public var endTime: Int?
    /// Everything the dashboard sent for this record (a dict).
    public var raw: RayValue

    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder)
        jobID = f.string("job_id")
        submissionID = f.string("submission_id")
        status = f.string("status")
        entrypoint = f.string("entrypoint")
        type = f.string("type")
        message = f.string("message")
        errorType = f.string("error_type")
        startTime = f.int("start_time")
        endTime = f.int("end_time")
        raw = f.raw
    }
}

/// A worker process (Python's `WorkerState`).
public struct WorkerState: Sendable, Hashable, Decodable {
    public var workerID: String?
    public var isAlive: Bool?
    /// `WORKER`, `DRIVER`, `SPILL_WORKER`, `RESTORE_WORKER`.
    public var workerType: String?
    /// How it exited (`SYSTEM_ERROR`, `INTENDED_USER_EXIT`, ...), once it did.
    public var exitType: String?
    public var nodeID: String?
    public var ip: String?
    public var pid: Int?
    public var exitDetail: String?
    /// Everything the dashboard sent for this record (a dict).
    public var raw: RayValue

    public init(from decoder: Decoder) throws {
        let f = try Fields(decoder)
        workerID = f.string("worker_id")
        isAlive = f.bool("is_alive")
        workerType = f.string("worker_type")
        exitType = f.string("exit_type")
        nodeID = f.string("node_id")
        ip = f.string("ip")
        pid = f.int("pid")
        exitDetail = f.string("exit_detail")
        raw = f.raw
    }
}
