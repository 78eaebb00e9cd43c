// Objects: storing values in the cluster (put), fetching them (get, async) and waiting for
// them to be ready (wait, async).
import CRayClient
import Foundation

/// Objects: `ray.put`, `ray.get`, `ray.wait`.
extension RayClient {
    /// Stores `value` in the cluster's object store. A large `Data` or `[Double]` (64 KiB
    /// or more, also inside an `NDArray` or a `RayValue`) is sent from its own storage,
    /// without a copy: the library keeps a copy-on-write reference to it until the data is
    /// sent, so changing your copy afterwards never changes what is sent.
    /// `Data(bytesNoCopy:count:deallocator:)` lends your own memory: its deallocator runs
    /// exactly once, when neither your copies nor the library use it, maybe on the
    /// library's I/O thread (keep it quick; don't write to that memory before).
    public func put(_ value: any RayEncodable) throws -> ObjectRef {
        let h = try makeHandle(for: value)
        var r: OpaquePointer?
        try check(ray_client_object_put(raw, h.raw, &r))
        return ObjectRef(adopting: r!)
    }

    /// ``put(_:)`` reporting the transfer to `progress(done, total)`, in bytes of the
    /// pickled value the connection has taken: from a thread of the library's own (not the
    /// caller's, not its I/O thread), first with `done` 0, at most ten times a second, and a
    /// last time (`done == total` when the put succeeded) before this returns.
    public func put(
        _ value: any RayEncodable, progress: @escaping @Sendable (_ done: UInt64, _ total: UInt64) -> Void
    ) throws -> ObjectRef {
        let h = try makeHandle(for: value)
        let box = ProgressBox(progress)
        var r: OpaquePointer?
        try withExtendedLifetime(box) {
            try check(ray_client_object_put_with_progress(raw, h.raw, ProgressBox.report, box.user, &r))
        }
        return ObjectRef(adopting: r!)
    }

    /// ``get(_:timeout:)`` reporting the transfer to `progress(done, total)`, in bytes
    /// received (`total` is 0 until the first chunk said it), as ``put(_:progress:)``
    /// reports. The get runs on a thread of its own until the value came or `timeout`
    /// passed: cancelling the awaiting task does not end it.
    public func get(
        _ ref: ObjectRef, timeout: Duration? = nil,
        progress: @escaping @Sendable (_ done: UInt64, _ total: UInt64) -> Void
    ) async throws -> RayValue {
        let ms = try milliseconds(timeout)
        let box = ProgressBox(progress)
        let client = self
        let owned: OwnedValue = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                var v: OpaquePointer?
                let status = withExtendedLifetime((box, ref, client)) {
                    ray_client_object_get_with_progress(client.raw, ref.raw, ms, ProgressBox.report, box.user, &v)
                }
                do {
                    try check(status)
                    continuation.resume(returning: OwnedValue(v!))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "ray-client-get"
            thread.start()
        }
        return try withExtendedLifetime(ref) { try RayValue(handle: owned.raw) }
    }

    /// The value of `ref`, waiting up to `timeout` (nil: no limit; `RayError.timeout` when
    /// it passes). A task that raised throws `RayError.taskError` with the remote exception.
    ///
    /// Suspends without blocking a thread (the library completes it from its I/O thread).
    /// Cancelling the awaiting task ends the get at once with `CancellationError`; the Ray
    /// task itself keeps running (``cancel(_:force:recursive:)`` stops it).
    public func get(_ ref: ObjectRef, timeout: Duration? = nil) async throws -> RayValue {
        let ms = try milliseconds(timeout)
        let owned: OwnedValue = try await callback { user in
            ray_client_object_get_async(
                raw, ref.raw, ms,
                { user, status, value, error in
                    // I/O thread: hand the handle over, convert on the awaiting side.
                    let c = Completion<OwnedValue>.take(user)
                    if status == RAY_CLIENT_OK, let value {
                        c.finish(.success(OwnedValue(value)))
                    } else {
                        ray_client_value_free(value)
                        c.finish(.failure(RayError.adopt(error)))
                    }
                }, user)
        }
        return try withExtendedLifetime(ref) { try RayValue(handle: owned.raw) }
    }

    /// The value of `ref` as `T` (`RayError.typeMismatch` when it is not one).
    public func get<T: RayDecodable>(_ ref: ObjectRef, as type: T.Type, timeout: Duration? = nil) async throws -> T {
        try T(rayValue: try await get(ref, timeout: timeout))
    }

    /// The values of `refs`, in order, fetched together (cancellation as for `get(_:)`).
    public func get(_ refs: [ObjectRef], timeout: Duration? = nil) async throws -> [RayValue] {
        let ms = try milliseconds(timeout)
        if refs.isEmpty { return [] }
        let raws: [OpaquePointer?] = refs.map { $0.raw }
        let owned: [OwnedValue] = try await callback { user in
            ray_client_object_get_many_async(
                raw, raws, raws.count, ms,
                { user, status, values, n, error in
                    let c = Completion<[OwnedValue]>.take(user)
                    if status == RAY_CLIENT_OK, let values {
                        // Take the handles out of the array, then free the array alone.
                        var out: [OwnedValue] = []
                        for i in 0..<n {
                            if let v = values[i] {
                                out.append(OwnedValue(v))
                                values[i] = nil
                            }
                        }
                        ray_client_value_array_free(values)
                        c.finish(
                            out.count == n
                                ? .success(out) : .failure(RayError.invalid("the library returned a NULL value")))
                    } else {
                        c.finish(.failure(RayError.adopt(error)))
                    }
                }, user)
        }
        return try withExtendedLifetime(refs) { try owned.map { try RayValue(handle: $0.raw) } }
    }

    /// The values of `refs` as `T`s.
    public func get<T: RayDecodable>(_ refs: [ObjectRef], as type: T.Type, timeout: Duration? = nil) async throws
        -> [T]
    {
        try await get(refs, timeout: timeout).map { try T(rayValue: $0) }
    }

    /// Waits until `numReturns` of `refs` (default: all) are ready or `timeout` passes (no
    /// timeout error: the rest are just pending). Returns both lists in the order of `refs`,
    /// like Python's `ray.wait`. Cancellation as for `get(_:)`.
    public func wait(_ refs: [ObjectRef], numReturns: Int? = nil, timeout: Duration? = nil) async throws
        -> (ready: [ObjectRef], pending: [ObjectRef])
    {
        let ms = try milliseconds(timeout)
        if refs.isEmpty && numReturns == nil { return ([], []) }
        let want = numReturns ?? refs.count
        guard want >= 1, want <= refs.count else {
            throw RayError.invalid("numReturns \(want) is not between 1 and the number of refs (\(refs.count))")
        }
        let raws: [OpaquePointer?] = refs.map { $0.raw }
        let ready: [Bool] = try await callback { user in
            ray_client_object_wait_async(
                raw, raws, raws.count, want, ms,
                { user, status, ready, n, _, error in
                    let c = Completion<[Bool]>.take(user)
                    if status == RAY_CLIENT_OK, let ready {
                        // Borrowed for the duration of the call only: copy.
                        c.finish(.success((0..<n).map { ready[$0] != 0 }))
                    } else {
                        c.finish(.failure(RayError.adopt(error)))
                    }
                }, user)
        }
        var r: [ObjectRef] = []
        var p: [ObjectRef] = []
        for (ref, isReady) in zip(refs, ready) {
            if isReady { r.append(ref) } else { p.append(ref) }
        }
        return (r, p)
    }
}

/// A progress closure for the C ABI's progress callback, alive for the call.
final class ProgressBox: @unchecked Sendable {
    let body: @Sendable (UInt64, UInt64) -> Void
    init(_ body: @escaping @Sendable (UInt64, UInt64) -> Void) { self.body = body }
    var user: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static let report: ray_client_progress_callback = { user, done, total in
        guard let user else { return }
        Unmanaged<ProgressBox>.fromOpaque(user).takeUnretainedValue().body(done, total)
    }
}
