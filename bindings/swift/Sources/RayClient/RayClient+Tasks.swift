// Tasks: remote functions run on the cluster, named by module or given as Python source,
// and cancelling them. Each call returns its refs at once, without waiting for the task.
import CRayClient

/// Tasks: Python's `f.remote(...)` and `ray.cancel`.
extension RayClient {
    /// Calls `module.function(*args, **kwargs)` on the cluster (the function must be
    /// importable there, e.g. from the job's `working_dir`) and returns the ref of its
    /// result at once, without waiting for the task to run.
    public func call(
        _ module: String, _ function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ObjectRef {
        ObjectRef(adopting: try submit(ray_client_call, (module, "module"), (function, "function name"), args, kwargs, options))
    }

    /// `call` of a function with `returns` results (`num_returns`): one ref each.
    public func call(
        _ module: String, _ function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions(),
        returns: Int
    ) throws -> [ObjectRef] {
        try submit(ray_client_call_n, (module, "module"), (function, "function name"), args, kwargs, options, returns: returns)
    }

    /// Calls the function `function` defined by Python `source` (a `def`, with the imports
    /// it needs inside); the cluster receives it by value.
    public func call(
        source: String, function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions()
    ) throws -> ObjectRef {
        ObjectRef(
            adopting: try submit(ray_client_call_source, (source, "source"), (function, "function name"), args, kwargs, options))
    }

    /// `call(source:function:)` with `returns` results.
    public func call(
        source: String, function: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: TaskOptions = TaskOptions(),
        returns: Int
    ) throws -> [ObjectRef] {
        try submit(
            ray_client_call_source_n, (source, "source"), (function, "function name"), args, kwargs, options, returns: returns)
    }

    /// Cancels the task that produces `ref` (`ray.cancel`): `force` kills the worker,
    /// `recursive` cancels the tasks it started.
    public func cancel(_ ref: ObjectRef, force: Bool = false, recursive: Bool = true) throws {
        try check(ray_client_object_cancel(raw, ref.raw, force ? 1 : 0, recursive ? 1 : 0))
    }
}
