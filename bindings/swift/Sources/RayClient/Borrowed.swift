// Large values go to the library without a copy: it reads the Swift storage in place
// (`ray_client_value_bytes_borrowed` / `_ndarray_borrowed`) and calls back, exactly once,
// when it no longer does; until then a box holds a copy of the Swift value, which keeps
// the storage alive and unchanged.
//
// The rule, for `Data` (`.bytes`, an `NDArray`'s data) and `[Double]` of at least
// `borrowThreshold` bytes (smaller ones are copied, which is cheaper than the box):
// - Both are copy-on-write. The box's copy is never mutated, so the storage it shares does
//   not change: mutating your own copy afterwards copies it first and never affects what
//   is sent. (Values of this size always live in heap storage, which does not move.)
// - A `Data(bytesNoCopy:count:deallocator:)` over your own memory is sent from that
//   memory; its deallocator runs once, when neither your copies nor the library use it
//   any more, which may be on the library's I/O thread: it must be quick and not block.
//   Don't write to that memory until then.
import CRayClient
import Foundation

/// From this many bytes, bytes and numpy data are lent to the library instead of copied.
let borrowThreshold = 64 * 1024

/// Holds what the library reads in place until its release callback.
private final class Keep<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The library's release callback: drops the box's reference (may run on the I/O thread).
private let releaseKeep: @convention(c) (UnsafeMutableRawPointer?) -> Void = { user in
    guard let user else { return }
    Unmanaged<AnyObject>.fromOpaque(user).release()
}

/// A value handle made by `make(base, count, release, user, &out)` over `value`'s bytes,
/// which the library borrows; on failure the box goes at once (the library never calls
/// back then).
func borrowing<T>(
    _ value: T, bytes: (T, (UnsafeRawBufferPointer) -> UnsafeRawPointer?) -> UnsafeRawPointer?, count: Int,
    _ make: (UnsafeRawPointer, Int, ray_client_release_fn, UnsafeMutableRawPointer, inout OpaquePointer?) -> ray_client_status
) throws -> OwnedValue {
    let keep = Keep(value)
    // The address escapes the closure on purpose: `keep.value` owns that storage and is
    // never mutated, so it stays valid until the release callback drops the box.
    guard let base = bytes(keep.value, { $0.baseAddress }) else {
        throw RayError.invalid("no storage to lend")
    }
    let user = Unmanaged.passRetained(keep).toOpaque()
    var out: OpaquePointer?
    let rc = make(base, count, releaseKeep, user, &out)
    guard rc == RAY_CLIENT_OK, let out else {
        let error = RayError.last(rc)
        Unmanaged<Keep<T>>.fromOpaque(user).release()
        throw error
    }
    return OwnedValue(out)
}

/// `borrowing` for a `Data`.
func borrowing(
    _ data: Data,
    _ make: (UnsafeRawPointer, Int, ray_client_release_fn, UnsafeMutableRawPointer, inout OpaquePointer?) -> ray_client_status
) throws -> OwnedValue {
    try borrowing(data, bytes: { d, f in d.withUnsafeBytes(f) }, count: data.count, make)
}

/// Swift values that make their C handle directly rather than through a `RayValue`, to
/// skip a copy.
protocol DirectHandle {
    /// The handle, or nil to go through `rayValue()`.
    func makeDirectHandle() throws -> OwnedValue?
}

extension Array: DirectHandle where Element == Double {
    /// A large `[Double]` (a 1-D float64 numpy array) lent to the library as it is, on
    /// little-endian machines (numpy's float64 is little-endian): no copy at all.
    func makeDirectHandle() throws -> OwnedValue? {
        #if _endian(little)
            let n = count * MemoryLayout<Double>.stride
            guard n >= borrowThreshold else { return nil }
            let shape = [count]
            return try borrowing(self, bytes: { a, f in a.withUnsafeBytes(f) }, count: n) { base, n, release, user, out in
                ray_client_value_ndarray_borrowed(DType.float64.rawValue, shape, 1, base, n, 0, release, user, &out)
            }
        #else
            return nil
        #endif
    }
}

/// The C handle of an argument or a put value: lent directly when the type can, else
/// made from its `RayValue` (which lends large `Data` and numpy data, copies the rest).
func makeHandle(for value: any RayEncodable) throws -> OwnedValue {
    if let direct = value as? any DirectHandle, let h = try direct.makeDirectHandle() { return h }
    return try value.rayValue().makeHandle()
}
