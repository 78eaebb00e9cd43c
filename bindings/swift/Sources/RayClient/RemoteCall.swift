// The one path of every remote call: a function call, an actor creation and an actor
// method call all go through `RayClient.submit`, which makes the C argument list and
// options, sizes the results array and takes the refs back. The definitions behind the
// calls (RemoteFunction, ActorClass) are made and given options through `makeDefinition`
// and `attach`.
import CRayClient
import Foundation

/// A C argument list (`ray_client_args`) of `args` and `kwargs`, freed when it goes.
/// Each value is copied into the list as it is pushed, so its handle goes at once.
private final class CArgs {
    let raw: OpaquePointer

    init(_ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>) throws {
        var out: OpaquePointer?
        try check(ray_client_args_new(&out))
        raw = out!
        for a in args {
            let h = try makeHandle(for: a)
            try check(ray_client_args_push(raw, h.raw))
        }
        // Names are checked by the library (empty, or given twice, as Python refuses
        // `f(x=1, x=2)`); a NUL, which C would cut, here.
        for (name, value) in kwargs {
            let h = try makeHandle(for: value)
            try withCString(name, "keyword argument name") { try check(ray_client_args_push_kw(raw, $0, h.raw)) }
        }
    }

    deinit { ray_client_args_free(raw) }
}

/// The C function of a call that fills a caller-sized results array:
/// `(args, options, results, nresults)`, the client and what is called bound by the caller.
typealias CSubmit = (OpaquePointer, OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, Int) -> ray_client_status

extension RayClient {
    /// Submits one remote call: builds the argument list, then the options (with
    /// `num_returns` set to `returns` when given), then runs `c` with a results array of
    /// `results` slots and takes the refs it filled. The library refuses the call when
    /// `results` is not the call's `num_returns` (its options merged over the attached
    /// ones), before anything is sent. A creation passes 0 results and takes its actor
    /// in `c`.
    func submit(
        _ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>, _ options: Options,
        returns: Int?, results: Int, _ c: CSubmit
    ) throws -> [ObjectRef] {
        let list = try CArgs(args, kwargs)
        return try options.withC(numReturns: returns) { o in
            var slots = [OpaquePointer?](repeating: nil, count: results)
            try slots.withUnsafeMutableBufferPointer { buf in
                try check(withExtendedLifetime(list) { c(list.raw, o, buf.baseAddress, buf.count) })
            }
            // On success every slot holds a new ref; a NULL would be a bug in the library.
            return try slots.map { slot in
                guard let r = slot else { throw RayError.invalid("the library returned a NULL ref") }
                return ObjectRef(adopting: r)
            }
        }
    }

    /// Submits a call that opens an item stream: `c(args, options, &stream)`.
    func submitStreaming(
        _ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>, _ options: Options,
        _ c: (OpaquePointer, OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>) -> ray_client_status
    ) throws -> ItemStream {
        let list = try CArgs(args, kwargs)
        return try options.withC { o in
            var out: OpaquePointer?
            try check(withExtendedLifetime(list) { c(list.raw, o, &out) })
            return ItemStream(handle: ItemStream.Handle(out!))
        }
    }

    /// `submit` of a call with one result unless `returns` asks for more.
    func submitCall(
        _ args: [any RayEncodable], _ kwargs: KeyValuePairs<String, any RayEncodable>, _ options: Options,
        returns: Int?, _ c: CSubmit
    ) throws -> [ObjectRef] {
        // A negative count is refused by the options (num_returns) before any slot is made.
        try submit(args, kwargs, options, returns: returns, results: max(returns ?? 1, 0), c)
    }
}

/// A C definition (`ray_client_function` or `ray_client_actor_class`) made by
/// `make(first, second, &out)` from two names, e.g. module and qualname or source and
/// name; each string refused when it has a NUL, naming what it is.
func makeDefinition(
    _ first: (String, what: String), _ second: (String, what: String),
    _ make: (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutablePointer<OpaquePointer?>) -> ray_client_status
) throws -> OpaquePointer {
    var out: OpaquePointer?
    try withCString(first.0, first.what) { a in
        try withCString(second.0, second.what) { b in try check(make(a, b, &out)) }
    }
    return out!
}

/// A copy of a C definition with `options` attached, made by `with(cOptions, &out)`.
func attach(
    _ options: Options, _ with: (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>) -> ray_client_status
) throws -> OpaquePointer {
    var out: OpaquePointer?
    try options.withC { o in try check(with(o, &out)) }
    return out!
}
