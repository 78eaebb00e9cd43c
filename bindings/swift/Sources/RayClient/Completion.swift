// Swift async over the C ABI's callback-style async calls (get, wait): a call is started
// with a `Completion` for its callback, and the awaiting task suspends until the library
// completes it from its I/O thread or the task is cancelled.
import CRayClient
import Foundation

/// Runs a C async call: `start(user)` starts it with `user` for its callback, which
/// must call `Completion<T>.take(user).finish(...)` exactly once. Suspends until then,
/// or until the awaiting task is cancelled.
func callback<T>(_ start: (UnsafeMutableRawPointer) -> ray_client_status) async throws -> T {
    let completion = Completion<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
            guard completion.install(cont) else { return }
            // One reference for the callback, taken back by `take`.
            let user = Unmanaged.passRetained(completion).toOpaque()
            let rc = start(user)
            if rc != RAY_CLIENT_OK {
                // The callback will not run: drop its reference and fail here (the last
                // error is this thread's, read before anything else can run on it).
                let error = RayError.last(rc)
                Unmanaged<Completion<T>>.fromOpaque(user).release()
                completion.finish(.failure(error))
            }
        }
    } onCancel: {
        completion.finish(.failure(CancellationError()))
    }
}

/// The meeting point of a C async call's callback (on the I/O thread), the awaiting task
/// and its cancellation handler: whichever finishes first resumes the continuation, later
/// results are dropped (a late value is freed with its `OwnedValue`).
final class Completion<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var cont: CheckedContinuation<T, Error>?
    private var done = false

    /// Installs the continuation; false (and resumed with `CancellationError`) when the
    /// task was cancelled first: only cancellation can finish before the call started.
    func install(_ c: CheckedContinuation<T, Error>) -> Bool {
        lock.lock()
        if done {
            lock.unlock()
            c.resume(throwing: CancellationError())
            return false
        }
        cont = c
        lock.unlock()
        return true
    }

    /// The first result wins; later ones are dropped.
    func finish(_ r: sending Result<T, Error>) {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        done = true
        let c = cont
        cont = nil
        lock.unlock()
        c?.resume(with: r)
    }

    /// The completion behind a callback's `user` pointer, taking back its reference.
    static func take(_ user: UnsafeMutableRawPointer?) -> Completion<T> {
        Unmanaged<Completion<T>>.fromOpaque(user!).takeRetainedValue()
    }
}
