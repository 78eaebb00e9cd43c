// Item streams: the items of a generator running on the cluster as it yields them
// (Python's num_returns="streaming"), as an AsyncSequence of RayValue.
import CRayClient
import Foundation

/// The items of a generator on the cluster, in the order it yields them: iterate it
/// (`for try await item in stream`), or call ``next()``. The exception the generator
/// raised is thrown (a `RayError` with the user's exception type) after the items
/// yielded before it, and the stream ends there.
///
/// Buffering: the option `_generator_backpressure_num_objects` (`Options.setting`, 1024
/// unless set; 64 for a method) is the buffer `b`, which bounds what is held beyond what was read: a
/// generator function's items travel in batches of up to `b` items and 4 MiB, at most
/// six batches ahead of the reader; an actor's generator method's one by one, Ray
/// pausing it while `b` wait and the client's actor on the cluster queueing `b` more.
///
/// Ownership: the generator is stopped on the cluster (if it has not ended) when the
/// stream, its iterators and any read still running are gone, or at ``cancel()``.
/// Cancelling the task that awaits an item ends that read with `CancellationError` and
/// loses nothing: the item goes to the next read.
///
/// Thread-safety: `Sendable`. Iterators of one stream take turns; each item goes to one
/// of them.
public struct ItemStream: AsyncSequence, Sendable {
    public typealias Element = RayValue

    let handle: Handle

    /// The next item; nil once the generator returned (and after its exception).
    public func next() async throws -> RayValue? { try await handle.read() }

    /// Stops the generator on the cluster and ends the stream (later reads give nil).
    public func cancel() throws { try check(ray_client_item_stream_cancel(handle.raw)) }

    /// The stream's buffer (see ``ItemStream``).
    public var buffer: Int {
        get throws {
            var n = 0
            try check(ray_client_item_stream_buffer(handle.raw, &n))
            return n
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: Handle

        public mutating func next() async throws -> RayValue? { try await handle.read() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }

    /// Owns the C stream, freed (stopping the generator) when the last stream, iterator
    /// or read lets go of it.
    final class Handle: @unchecked Sendable {
        let raw: OpaquePointer
        private let lock = NSLock()
        /// Reads whose awaiting task was cancelled, oldest first: their items come next.
        private var orphans: [PendingRead] = []

        init(_ raw: OpaquePointer) { self.raw = raw }
        deinit { ray_client_item_stream_free(raw) }

        func read() async throws -> RayValue? {
            let pending = try claimOrStart()
            let owned: OwnedValue?
            do {
                owned = try await pending.wait()
            } catch is CancellationError {
                lock.withLock { orphans.insert(pending, at: 0) }
                throw CancellationError()
            }
            return try withExtendedLifetime(self) { try owned.map { try RayValue(handle: $0.raw) } }
        }

        /// The oldest orphaned read, or a new one.
        private func claimOrStart() throws -> PendingRead {
            if let p = lock.withLock({ orphans.isEmpty ? nil : orphans.removeFirst() }) { return p }
            let pending = PendingRead()
            let user = Unmanaged.passRetained(pending).toOpaque()
            let rc = ray_client_item_stream_next_async(
                raw, -1,
                { user, status, value, error in
                    // I/O thread: hand the handle over, convert on the awaiting side.
                    let p = Unmanaged<PendingRead>.fromOpaque(user!).takeRetainedValue()
                    if status == RAY_CLIENT_OK {
                        p.deliver(.success(value.map { OwnedValue($0) }))
                    } else {
                        ray_client_value_free(value)
                        p.deliver(.failure(RayError.adopt(error)))
                    }
                }, user)
            if rc != RAY_CLIENT_OK {
                let error = RayError.last(rc)
                Unmanaged<PendingRead>.fromOpaque(user).release()
                throw error
            }
            return pending
        }
    }
}

/// One read of a stream's next item: the library's callback leaves its result here, and
/// a reader waits for it. A reader cancelled while waiting leaves the result to the
/// next reader.
final class PendingRead: @unchecked Sendable {
    /// One wait; its fields are read and written under the read's lock only.
    private final class Waiter: @unchecked Sendable {
        var cancelled = false
        var cont: CheckedContinuation<OwnedValue?, Error>?
    }

    private let lock = NSLock()
    private var result: Result<OwnedValue?, Error>?
    private var waiter: Waiter?

    func deliver(_ r: sending Result<OwnedValue?, Error>) {
        lock.lock()
        if let w = waiter, let c = w.cont {
            waiter = nil
            lock.unlock()
            c.resume(with: r)
            return
        }
        result = r
        lock.unlock()
    }

    func wait() async throws -> OwnedValue? {
        let me = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<OwnedValue?, Error>) in
                lock.lock()
                if let r = result {
                    result = nil
                    lock.unlock()
                    c.resume(with: r)
                } else if me.cancelled {
                    lock.unlock()
                    c.resume(throwing: CancellationError())
                } else {
                    me.cont = c
                    waiter = me
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            me.cancelled = true
            let c = waiter === me ? me.cont : nil
            if c != nil { waiter = nil }
            lock.unlock()
            c?.resume(throwing: CancellationError())
        }
    }
}

/// Item streams: Python's `f.options(num_returns="streaming").remote(...)`.
extension RayClient {
    /// Calls the generator function `function(*args, **kwargs)` and returns its items as
    /// it yields them (`options` as for ``call(_:_:kwargs:options:)``).
    public func callStreaming(
        _ function: RemoteFunction, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: Options = Options()
    ) throws -> ItemStream {
        try withExtendedLifetime(function) {
            try submitStreaming(args, kwargs, options) { a, o, out in
                ray_client_function_call_streaming(raw, function.raw, a, o, out)
            }
        }
    }

    /// Calls the generator method `actor.method(*args, **kwargs)` and returns its items
    /// as it yields them.
    public func callStreaming(
        _ actor: ActorHandle, method: String, _ args: [any RayEncodable] = [],
        kwargs: KeyValuePairs<String, any RayEncodable> = [:], options: Options = Options()
    ) throws -> ItemStream {
        try withCString(method, "method name") { m in
            try withExtendedLifetime(actor) {
                try submitStreaming(args, kwargs, options) { a, o, out in
                    ray_client_actor_call_streaming(raw, actor.raw, m, a, o, out)
                }
            }
        }
    }
}
