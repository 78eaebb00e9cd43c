// The cluster's state through the dashboard (Python's `ray.util.state`): StateResource,
// ListOptions with StateFilter, StateList, the raw list and the typed lists (records in
// StateRecords.swift), and the task summary.
import CRayClient
import Foundation

/// What can be listed (Python's `StateResource`).
public enum StateResource: String, Sendable, Hashable, CaseIterable {
    case actors
    case tasks
    case nodes
    case objects
    case placementGroups = "placement_groups"
    case jobs
    case workers
}

/// One filter of a state list: the records whose field `key` is (`.equal`) or is not
/// (`.notEqual`) `value`, compared as the dashboard compares them (Python's
/// `("state", "=", "ALIVE")`; a boolean field matches `"true"` / `"false"`).
public struct StateFilter: Sendable, Hashable {
    public enum Predicate: String, Sendable, Hashable {
        case equal = "="
        case notEqual = "!="
    }

    public var key: String
    public var predicate: Predicate
    public var value: String

    public init(_ key: String, _ predicate: Predicate = .equal, _ value: String) {
        self.key = key
        self.predicate = predicate
        self.value = value
    }
}

/// How to list the cluster's state (Python's `ListApiOptions`).
public struct ListOptions: Sendable, Hashable {
    /// The most records to return (nil: Python's default, 100); at least 1. Records past
    /// it are counted in ``StateList/total`` only, so filter what you look for: a busy
    /// cluster's dead workers or finished tasks alone fill a page.
    public var limit: Int?
    /// Also the fields Python shows only in detail.
    public var detail: Bool = false
    /// Records matching every filter.
    public var filters: [StateFilter] = []
    /// How long the dashboard may take to collect the records (nil: 30 s). Positive.
    public var timeout: Duration?

    public init(limit: Int? = nil, detail: Bool = false, filters: [StateFilter] = [], timeout: Duration? = nil) {
        self.limit = limit
        self.detail = detail
        self.filters = filters
        self.timeout = timeout
    }
}

/// One page of records as the dashboard sent them (``Dashboard/listState(_:_:)``).
public struct StateList: Sendable, Hashable {
    /// Each record a dict (the typed lists read the same records).
    public var records: [RayValue]
    /// How many records matched before the limit cut the list.
    public var total: Int
    /// Set when some sources did not answer: the list may be incomplete.
    public var partialFailureWarning: String?
    public var warnings: [String]
}

extension StateList: Decodable {
    private enum CodingKeys: String, CodingKey {
        case records, total, warnings
        case partialFailureWarning = "partial_failure_warning"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        records = try c.decode([JSONAny].self, forKey: .records).map(\.value)
        total = try c.decodeIfPresent(Int.self, forKey: .total) ?? records.count
        partialFailureWarning = try c.decodeIfPresent(String.self, forKey: .partialFailureWarning).flatMap { $0.isEmpty ? nil : $0 }
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }
}

/// The cluster's state: Python's `ray.util.state` `list_*` functions and
/// `summarize_tasks`. Each waits at most ``ListOptions/timeout`` for the dashboard.
extension Dashboard {
    /// One page of `resource`'s records, as the dashboard sent them.
    public func listState(_ resource: StateResource, _ options: ListOptions = ListOptions()) async throws -> StateList {
        let text = try await stateList(resource, options)
        return try decodeJSON(StateList.self, text, "listState(\(resource.rawValue))")
    }

    /// The cluster's actors (Python's `list_actors`).
    public func listActors(_ options: ListOptions = ListOptions()) async throws -> [ActorState] {
        try await typedList(.actors, options)
    }

    /// Task attempts (Python's `list_tasks`). The cluster reports a task's events a
    /// moment after it ran, so a task just finished may not be listed yet.
    public func listTasks(_ options: ListOptions = ListOptions()) async throws -> [TaskState] {
        try await typedList(.tasks, options)
    }

    /// The cluster's nodes, dead ones too (Python's `list_nodes`).
    public func listNodes(_ options: ListOptions = ListOptions()) async throws -> [NodeState] {
        try await typedList(.nodes, options)
    }

    /// Objects in the object store (Python's `list_objects`).
    public func listObjects(_ options: ListOptions = ListOptions()) async throws -> [ObjectState] {
        try await typedList(.objects, options)
    }

    /// Placement groups (Python's `list_placement_groups`).
    public func listPlacementGroups(_ options: ListOptions = ListOptions()) async throws -> [PlacementGroupState] {
        try await typedList(.placementGroups, options)
    }

    /// Jobs as the state API lists them (Python's `ray.util.state.list_jobs`); the Jobs
    /// API's ``listJobs()`` gives the same jobs as ``JobDetails``.
    public func listJobStates(_ options: ListOptions = ListOptions()) async throws -> [JobState] {
        try await typedList(.jobs, options)
    }

    /// Worker processes, dead ones too (Python's `list_workers`): filter on
    /// `StateFilter("is_alive", .equal, "true")` for the live ones.
    public func listWorkers(_ options: ListOptions = ListOptions()) async throws -> [WorkerState] {
        try await typedList(.workers, options)
    }

    /// The summary of tasks by function name (Python's `summarize_tasks`): for each node
    /// id, and `"cluster"` for all, the dashboard's summary (a dict whose `summary` maps
    /// each function name to its counts by state). Waits at most `timeout` (nil: 30 s).
    public func summarizeTasks(timeout: Duration? = nil) async throws -> [String: RayValue] {
        let ms = try timeout.map { UInt64(try milliseconds($0)) } ?? 0
        if ms == 0 && timeout != nil { throw RayError.invalid("the summary's timeout must be positive") }
        let text = try await blocking {
            var s: UnsafeMutablePointer<CChar>?
            try check(ray_client_state_summarize_tasks(self.raw, ms, &s))
            return takeString(s)
        }
        return try decodeJSON([String: JSONAny].self, text, "summarizeTasks").mapValues(\.value)
    }

    private func typedList<T: Decodable>(_ resource: StateResource, _ options: ListOptions) async throws -> [T] {
        let text = try await stateList(resource, options)
        return try decodeJSON(TypedPage<T>.self, text, "listState(\(resource.rawValue))").records
    }

    /// The JSON text of one page of `resource`.
    private func stateList(_ resource: StateResource, _ options: ListOptions) async throws -> String {
        // Checked here: the library takes 0 for "the default" and 0 ms for "30 s".
        if let l = options.limit, !(1...Int(UInt32.max)).contains(l) {
            throw RayError.invalid("a state list's limit must be at least 1 (got \(l))")
        }
        let limit = UInt32(options.limit ?? 0)
        let ms = try options.timeout.map { UInt64(try milliseconds($0)) } ?? 0
        if ms == 0 && options.timeout != nil { throw RayError.invalid("a state list's timeout must be positive") }
        let strings = options.filters.flatMap { [$0.key, $0.predicate.rawValue, $0.value] }
        return try await blocking {
            var s: UnsafeMutablePointer<CChar>?
            try withCString(resource.rawValue, "resource") { res in
                try withCStrings(strings, "filter") { filters in
                    try check(
                        ray_client_state_list(
                            self.raw, res, filters, options.filters.count, limit, options.detail ? 1 : 0, ms, &s))
                }
            }
            return takeString(s)
        }
    }
}

/// The records of a page, typed (the rest of the page is left out).
private struct TypedPage<T: Decodable>: Decodable {
    var records: [T]
}

/// Runs `body` with a C array of C strings of `strings` (NULL when empty), refusing
/// strings with a NUL.
func withCStrings<R>(
    _ strings: [String], _ what: String, _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R
) throws -> R {
    if strings.isEmpty { return try body(nil) }
    if let bad = strings.first(where: { $0.utf8.contains(0) }) {
        throw RayError.invalid("\(what) \(bad.debugDescription) contains a NUL character")
    }
    let copies = strings.map { UnsafePointer(strdup($0)) }
    defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return try copies.withUnsafeBufferPointer { try body($0.baseAddress) }
}
