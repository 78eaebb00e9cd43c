// Tasks: calling remote functions (RemoteFunction) and cancelling them. Each call returns
// its refs at once, without waiting for the task; all go through `submit` (RemoteCall).
import CRayClient

/// Tasks: Python's `f.remote(...)`, `f.options(...).remote(...)` and `ray.cancel`.
extension RayClient {
    /// Calls `function(*args, **kwargs)` on the cluster and returns the ref of its result
    /// at once, without waiting for the task to run. `options` are put over the
    /// function's attached ones for this call (Python's `f.options(...).remote(...)`).
    /// A function whose options set `num_returns` other than 1 is refused: call it with
    /// ``call(_:_:kwargs:options:returns:)``.
    public func call(
        _ function: RemoteFunction, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: Options = Options()
    ) throws -> ObjectRef {
        try call(function, args, kwargs: kwargs, options: options, returnsCount: nil)[0]
    }

    /// `call` with `returns` results (Python's `num_returns`, set over the function's
    /// options for this call): one ref each, in order; `returns: 0` gives none.
    public func call(
        _ function: RemoteFunction, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: Options = Options(), returns: Int
    ) throws -> [ObjectRef] {
        try call(function, args, kwargs: kwargs, options: options, returnsCount: returns)
    }

    private func call(
        _ function: RemoteFunction, _ args: [any RayEncodable], kwargs: KeyValuePairs<String, any RayEncodable>,
        options: Options, returnsCount: Int?
    ) throws -> [ObjectRef] {
        try withExtendedLifetime(function) {
            try submitCall(args, kwargs, options, returns: returnsCount) { a, o, results, n in
                ray_client_function_call(raw, function.raw, a, o, results, n)
            }
        }
    }

    /// Cancels the task that produces `ref` (`ray.cancel`): `force` kills the worker,
    /// `recursive` cancels the tasks it started.
    public func cancel(_ ref: ObjectRef, force: Bool = false, recursive: Bool = true) throws {
        try check(ray_client_object_cancel(raw, ref.raw, force ? 1 : 0, recursive ? 1 : 0))
    }
}
