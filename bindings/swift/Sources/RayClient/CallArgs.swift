// Remote calls (tasks, actor creations, actor method calls) in the form the C ABI takes
// them: the arguments as value handles, the names as C strings, the options, and the refs
// that come back. The call forms in RayClient+Tasks and RayClient+Actors go through
// `submit`.
import CRayClient
import Foundation

/// Arguments of a remote call, as C handles that live until the call returned.
struct CallArgs {
    let args: [OwnedValue]
    let names: [String]
    let values: [OwnedValue]

    init(_ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>) throws {
        self.args = try args.map { try makeHandle(for: $0) }
        for (k, _) in kwargs {
            if k.isEmpty || k.utf8.contains(0) { throw RayError.invalid("keyword argument name \(k.debugDescription) is not usable") }
        }
        self.names = kwargs.map { $0.key }
        self.values = try kwargs.map { try makeHandle(for: $0.value) }
    }

    /// Runs `body(args, nargs, names, values, nkw)` with C arrays.
    func withC<R>(
        _ body: (UnsafePointer<OpaquePointer?>?, Int, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<OpaquePointer?>?, Int)
            throws -> R
    ) rethrows -> R {
        let a: [OpaquePointer?] = args.map { $0.raw }
        let v: [OpaquePointer?] = values.map { $0.raw }
        // strdup'd copies: the C side only reads them during the call.
        let cNames: [UnsafeMutablePointer<CChar>?] = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        let n: [UnsafePointer<CChar>?] = cNames.map { UnsafePointer($0) }
        return try withExtendedLifetime(self) { try body(a, a.count, n, v, v.count) }
    }
}

/// A remote call in C form: its names (module or source and function or class name, or a
/// method name) as C strings, its arguments and its options. Valid only while the body it
/// is given to runs.
struct CCall {
    let names: [UnsafePointer<CChar>]
    let args: UnsafePointer<OpaquePointer?>?
    let nargs: Int
    let kwNames: UnsafePointer<UnsafePointer<CChar>?>?
    let kwValues: UnsafePointer<OpaquePointer?>?
    let nkw: Int
    let options: OpaquePointer?
}

/// The C functions of calls named by two strings (module or source, then function or class
/// name) with one result: `ray_client_call`, `_call_source`, `_actor_create`,
/// `_actor_create_source`.
typealias CNamedCall = (
    OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<OpaquePointer?>?, Int,
    UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<OpaquePointer?>?, Int, OpaquePointer?,
    UnsafeMutablePointer<OpaquePointer?>?
) -> Int32

/// The same with `num_returns` results: `ray_client_call_n`, `_call_source_n`.
typealias CNamedCallN = (
    OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<OpaquePointer?>?, Int,
    UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<OpaquePointer?>?, Int, OpaquePointer?,
    UnsafeMutablePointer<UnsafeMutablePointer<OpaquePointer?>?>?, UnsafeMutablePointer<Int>?
) -> Int32

extension RayClient {
    /// Submits a remote call with one result: `c(call, &out)` runs the C function, which
    /// makes the result's handle (a ref; an actor for a creation). `names` are the call's
    /// strings, each with what it is (for the error when it has a NUL).
    func submit(
        _ names: [(String, what: String)], _ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>,
        _ options: TaskOptions, _ c: (CCall, UnsafeMutablePointer<OpaquePointer?>) -> Int32
    ) throws -> OpaquePointer {
        var out: OpaquePointer?
        try withCCall(names, args, kwargs, options, numReturns: nil) { call in try check(c(call, &out)) }
        return out!
    }

    /// `submit` of a call with `returns` results (`num_returns`): `c(call, &refs, &n)`
    /// makes one ref each.
    func submit(
        _ names: [(String, what: String)], _ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>,
        _ options: TaskOptions, returns: Int,
        _ c: (CCall, UnsafeMutablePointer<UnsafeMutablePointer<OpaquePointer?>?>, UnsafeMutablePointer<Int>) -> Int32
    ) throws -> [ObjectRef] {
        var out: UnsafeMutablePointer<OpaquePointer?>?
        var n = 0
        try withCCall(names, args, kwargs, options, numReturns: returns) { call in try check(c(call, &out, &n)) }
        return takeRefs(out, n)
    }

    /// `submit` of the C function `f` of a call named by `first` and `second`.
    func submit(
        _ f: CNamedCall, _ first: (String, what: String), _ second: (String, what: String), _ args: [any RayEncodable],
        _ kwargs: KeyValuePairs<String, any RayEncodable>, _ options: TaskOptions
    ) throws -> OpaquePointer {
        try submit([first, second], args, kwargs, options) { c, out in
            f(raw, c.names[0], c.names[1], c.args, c.nargs, c.kwNames, c.kwValues, c.nkw, c.options, out)
        }
    }

    /// `submit` of the C function `f` of a call named by `first` and `second`, with
    /// `returns` results.
    func submit(
        _ f: CNamedCallN, _ first: (String, what: String), _ second: (String, what: String), _ args: [any RayEncodable],
        _ kwargs: KeyValuePairs<String, any RayEncodable>, _ options: TaskOptions, returns: Int
    ) throws -> [ObjectRef] {
        try submit([first, second], args, kwargs, options, returns: returns) { c, out, n in
            f(raw, c.names[0], c.names[1], c.args, c.nargs, c.kwNames, c.kwValues, c.nkw, c.options, out, n)
        }
    }
}

/// Runs `body` with the call in C form, made in this order: arguments, names, options
/// (so a failure reports the first of them that is wrong).
private func withCCall(
    _ names: [(String, what: String)], _ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>,
    _ options: TaskOptions, numReturns: Int?, _ body: (CCall) throws -> Void
) throws {
    let a = try CallArgs(args, kwargs)
    try withCStrings(names[...]) { ns in
        try options.withC(numReturns: numReturns) { o in
            try a.withC { ap, n, kn, kv, nkw in
                try body(CCall(names: ns, args: ap, nargs: n, kwNames: kn, kwValues: kv, nkw: nkw, options: o))
            }
        }
    }
}

/// Runs `body` with C strings of `strings`, in order (each through `withCString`: one with
/// a NUL is refused, naming what it is).
private func withCStrings<R>(
    _ strings: ArraySlice<(String, what: String)>, _ done: [UnsafePointer<CChar>] = [],
    _ body: ([UnsafePointer<CChar>]) throws -> R
) throws -> R {
    guard let first = strings.first else { return try body(done) }
    return try withCString(first.0, first.what) { try withCStrings(strings.dropFirst(), done + [$0], body) }
}

/// Takes the refs out of an array the library returned, then frees the array.
private func takeRefs(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ n: Int) -> [ObjectRef] {
    guard let out else { return [] }
    var refs: [ObjectRef] = []
    for i in 0..<n {
        if let r = out[i] {
            refs.append(ObjectRef(adopting: r))
            out[i] = nil
        }
    }
    ray_client_object_ref_array_free(out)
    return refs
}
