// Small helpers for calling the C ABI: value handles freed when they go, C strings in
// (refusing a NUL) and out, byte buffers the library returned, handles cloned and compared
// by id, timeouts in milliseconds.
import CRayClient
import Foundation

/// Frees a value handle when it goes. `Sendable`: the C handle is thread-safe and never
/// changes.
final class OwnedValue: @unchecked Sendable {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { ray_client_value_free(raw) }
}

/// Runs `body` with a C string of `s`, refusing strings with a NUL (C would cut them).
func withCString<R>(_ s: String, _ what: String, _ body: (UnsafePointer<CChar>) throws -> R) throws -> R {
    if s.utf8.contains(0) { throw RayError.invalid("\(what) contains a NUL character") }
    return try s.withCString(body)
}

/// Hands each (name, value) pair to `add`, a C setter of one pair; `what` names them
/// in errors ("header", "job metadata").
func addPairs(
    _ pairs: [(name: String, value: String)], _ what: String,
    _ add: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> ray_client_status
) throws {
    for p in pairs {
        try withCString(p.name, "\(what) name") { n in
            try withCString(p.value, "\(what) value") { v in try check(add(n, v)) }
        }
    }
}

/// `withCString` for an optional string (nil gives a NULL pointer).
func withOptionalCString<R>(
    _ s: String?, _ what: String, _ body: (UnsafePointer<CChar>?) throws -> R
) throws -> R {
    guard let s else { return try body(nil) }
    return try withCString(s, what) { try body($0) }
}

/// Copies out and frees a byte buffer the library returned (NULL: empty).
func takeBytes(_ p: UnsafeMutablePointer<UInt8>?, _ count: Int) -> Data {
    guard let p else { return Data() }
    defer { ray_client_bytes_free(p) }
    return Data(bytes: p, count: count)
}

/// Takes a string the library allocated, frees it (NULL: empty).
func takeString(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p else { return "" }
    defer { ray_client_string_free(p) }
    return String(cString: p)
}

/// A new C handle to what `raw` names, made by a `ray_client_*_clone` function.
func cloneHandle(
    _ raw: OpaquePointer, _ clone: (OpaquePointer, UnsafeMutablePointer<OpaquePointer?>) -> ray_client_status
) throws -> OpaquePointer {
    var out: OpaquePointer?
    try check(clone(raw, &out))
    return out!
}

/// The id of what `raw` names, read by a `ray_client_*_hex` function.
func hexId(
    _ raw: OpaquePointer, _ hex: (OpaquePointer, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> ray_client_status
) throws -> String {
    var s: UnsafeMutablePointer<CChar>?
    try check(hex(raw, &s))
    return takeString(s)
}

/// Whether two handles name the same thing: they are one, or their ids (which reading
/// may wait for) are equal. An id that cannot be read makes them unequal.
func sameId<H: AnyObject>(_ a: H, _ b: H, _ id: (H) throws -> String) -> Bool {
    if a === b { return true }
    guard let x = try? id(a), let y = try? id(b) else { return false }
    return x == y
}

/// Milliseconds of a timeout; nil (no limit) is -1 for the C calls. Negative durations are
/// refused rather than taken as "no limit".
func milliseconds(_ d: Duration?, _ what: String = "timeout") throws -> Int64 {
    guard let d else { return -1 }
    let (s, atto) = d.components
    if s < 0 || atto < 0 { throw RayError.invalid("\(what) must not be negative (got \(d))") }
    let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
    if overflow { return Int64.max }
    return ms + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
}
