// RayValue, the Python value model (what `put` stores, what tasks take and return), with
// NDArray and DType for numpy arrays, and the conversion of values to and from C value
// handles.
import CRayClient
import Foundation

/// A Ray (Python) value: what `put` stores, what tasks take and return.
///
/// Swift types convert to and from it through ``RayEncodable`` / ``RayDecodable``; build
/// one directly for Python kinds Swift has no type for (tuple, set, a list of floats).
/// Immutable and `Sendable` (refs and actor handles inside are thread-safe handles).
///
/// Equality is Python's for the kinds that have no order: sets and frozensets are equal
/// with the same elements in any order, dicts with the same key/value pairs in any order
/// (lists, tuples and dict iteration keep their order). `Hashable` to match, so any value,
/// a tuple or a frozenset too, can be a key of a Swift `Dictionary` (`[RayValue: T]`
/// decodes from a dict with any keys).
public indirect enum RayValue: Sendable, Hashable {
    /// `None`.
    case none
    /// `bool`.
    case bool(Bool)
    /// `int` that fits in 64 bits.
    case int(Int64)
    /// `int` that does not fit in 64 bits, as decimal text.
    case bigInt(String)
    /// `float`.
    case float(Double)
    /// `str`.
    case string(String)
    /// `bytes`.
    case bytes(Data)
    /// `bytearray` (the object store turns a put bytearray into bytes).
    case byteArray(Data)
    /// `list`.
    case list([RayValue])
    /// `tuple`.
    case tuple([RayValue])
    /// `set`.
    case set([RayValue])
    /// `frozenset`.
    case frozenSet([RayValue])
    /// `dict`, in insertion order, keys of any kind.
    case dict([(key: RayValue, value: RayValue)])
    /// An object ref.
    case objectRef(ObjectRef)
    /// An actor handle.
    case actor(ActorHandle)
    /// A `numpy.ndarray`.
    case ndarray(NDArray)
    /// A Python object without a Swift counterpart (a module-level function or class, an
    /// object kept symbolically), as the library's JSON description. Read-only: it cannot
    /// be sent back.
    case opaque(json: String)

    public static func == (a: RayValue, b: RayValue) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.bigInt(let x), .bigInt(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.bytes(let x), .bytes(let y)), (.byteArray(let x), .byteArray(let y)): return x == y
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)): return x == y
        case (.set(let x), .set(let y)), (.frozenSet(let x), .frozenSet(let y)): return Set(x) == Set(y)
        case (.dict(let x), .dict(let y)): return mapping(x) == mapping(y)
        case (.objectRef(let x), .objectRef(let y)): return x == y
        case (.actor(let x), .actor(let y)): return x == y
        case (.ndarray(let x), .ndarray(let y)): return x == y
        case (.opaque(let x), .opaque(let y)): return x == y
        default: return false
        }
    }

    /// Order-insensitive for sets, frozensets and dicts, as `==` is. Refs and actor handles
    /// hash by kind only (their ids may not be known yet; `==` compares them).
    public func hash(into h: inout Hasher) {
        h.combine(kindName)
        switch self {
        case .none, .objectRef, .actor: break
        case .bool(let b): h.combine(b)
        case .int(let i): h.combine(i)
        case .bigInt(let s): h.combine(s)
        case .float(let f): h.combine(f)
        case .string(let s): h.combine(s)
        case .bytes(let d), .byteArray(let d): h.combine(d)
        case .list(let xs), .tuple(let xs): h.combine(xs)
        case .set(let xs), .frozenSet(let xs): h.combine(Set(xs))
        case .dict(let pairs): h.combine(mapping(pairs))
        case .ndarray(let a): h.combine(a)
        case .opaque(let json): h.combine(json)
        }
    }

    /// The Python kind's name, for messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .byteArray: return "bytearray"
        case .list: return "list"
        case .tuple: return "tuple"
        case .set: return "set"
        case .frozenSet: return "frozenset"
        case .dict: return "dict"
        case .objectRef: return "ObjectRef"
        case .actor: return "ActorHandle"
        case .ndarray: return "numpy.ndarray"
        case .opaque: return "object"
        }
    }

    /// The value of the str key `key` of a dict (nil when absent or not a dict).
    public subscript(key: String) -> RayValue? {
        guard case .dict(let pairs) = self else { return nil }
        return pairs.first { $0.key == .string(key) }?.value
    }
}

extension RayValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .none }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
    public init(integerLiteral v: Int64) { self = .int(v) }
    public init(floatLiteral v: Double) { self = .float(v) }
    public init(stringLiteral v: String) { self = .string(v) }
    public init(arrayLiteral items: RayValue...) { self = .list(items) }
    public init(dictionaryLiteral pairs: (RayValue, RayValue)...) {
        self = .dict(pairs.map { (key: $0.0, value: $0.1) })
    }
}

/// A dict's pairs as a Swift dictionary, for comparing and hashing in any order (a key
/// given twice keeps its last value, as in Python).
private func mapping(_ pairs: [(key: RayValue, value: RayValue)]) -> [RayValue: RayValue] {
    Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
}

/// numpy element types (`RAY_CLIENT_DTYPE_*`).
public enum DType: Int32, Sendable, CaseIterable {
    case bool = 0, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }
}

/// A numpy array: element type, shape and the little-endian element data.
public struct NDArray: Sendable, Hashable {
    public var dtype: DType
    public var shape: [Int]
    /// Little-endian element data, `shape.reduce(1, *) * dtype.size` bytes.
    public var data: Data
    /// Fortran (column-major) order instead of C order.
    public var fortranOrder: Bool

    /// An array of raw data; checked when it is converted (sizes must agree).
    public init(dtype: DType, shape: [Int], data: Data, fortranOrder: Bool = false) {
        self.dtype = dtype
        self.shape = shape
        self.data = data
        self.fortranOrder = fortranOrder
    }

    /// A float64 array of `values` with `shape` (default: one dimension), one copy of them.
    public init(_ values: [Double], shape: [Int]? = nil) {
        #if _endian(little)
            let data = values.withUnsafeBytes { Data($0) }
        #else
            var le = values.map { $0.bitPattern.littleEndian }
            let data = Data(bytes: &le, count: le.count * 8)
        #endif
        self.init(dtype: .float64, shape: shape ?? [values.count], data: data)
    }

    /// The elements as Doubles, in storage order (any numeric dtype is converted).
    public func doubles() throws -> [Double] {
        let n = data.count / dtype.size
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Double] in
            (0..<n).map { i in
                let o = i * dtype.size
                func le<T: FixedWidthInteger>(_: T.Type) -> T {
                    T(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: T.self))
                }
                switch dtype {
                case .bool: return raw[o] != 0 ? 1 : 0
                case .int8: return Double(Int8(bitPattern: raw[o]))
                case .uint8: return Double(raw[o])
                case .int16: return Double(le(Int16.self))
                case .uint16: return Double(le(UInt16.self))
                case .int32: return Double(le(Int32.self))
                case .uint32: return Double(le(UInt32.self))
                case .int64: return Double(le(Int64.self))
                case .uint64: return Double(le(UInt64.self))
                case .float32: return Double(Float(bitPattern: le(UInt32.self)))
                case .float64: return Double(bitPattern: le(UInt64.self))
                }
            }
        }
    }
}

// MARK: - C handles <-> RayValue

extension RayValue {
    /// A new value handle for this value; the caller frees it.
    func makeHandle() throws -> OwnedValue {
        var out: OpaquePointer?
        switch self {
        case .none: try check(ray_client_value_none(&out))
        case .bool(let b): try check(ray_client_value_bool(b ? 1 : 0, &out))
        case .int(let i): try check(ray_client_value_int(i, &out))
        case .bigInt(let s): try withCString(s, "big int") { try check(ray_client_value_bigint($0, &out)) }
        case .float(let f): try check(ray_client_value_float(f, &out))
        case .string(let s):
            var s = s
            try s.withUTF8 { u in
                try u.withMemoryRebound(to: CChar.self) { c in
                    try check(ray_client_value_str_n(c.baseAddress, c.count, &out))
                }
            }
        case .bytes(let d) where d.count >= borrowThreshold:
            return try borrowing(d) { base, n, release, user, out in
                ray_client_value_bytes_borrowed(base.assumingMemoryBound(to: UInt8.self), n, release, user, &out)
            }
        case .bytes(let d):
            try d.withUnsafeBytes { b in
                try check(ray_client_value_bytes(b.bindMemory(to: UInt8.self).baseAddress, b.count, &out))
            }
        case .byteArray(let d):
            try d.withUnsafeBytes { b in
                try check(ray_client_value_bytearray(b.bindMemory(to: UInt8.self).baseAddress, b.count, &out))
            }
        case .list(let items): try Self.container(items, ray_client_value_list, &out)
        case .tuple(let items): try Self.container(items, ray_client_value_tuple, &out)
        case .set(let items): try Self.container(items, ray_client_value_set, &out)
        case .frozenSet(let items): try Self.container(items, ray_client_value_frozenset, &out)
        case .dict(let pairs):
            let keys = try pairs.map { try $0.key.makeHandle() }
            let values = try pairs.map { try $0.value.makeHandle() }
            let kp: [OpaquePointer?] = keys.map { $0.raw }
            let vp: [OpaquePointer?] = values.map { $0.raw }
            try check(ray_client_value_dict(kp, vp, pairs.count, &out))
            withExtendedLifetime((keys, values)) {}
        case .objectRef(let r): try check(ray_client_value_object_ref(r.raw, &out))
        case .actor(let a): try check(ray_client_value_actor(a.raw, &out))
        case .ndarray(let a):
            if a.shape.contains(where: { $0 < 0 }) { throw RayError.invalid("ndarray shape has a negative size") }
            let shape = a.shape.map { Int($0) }
            if a.data.count >= borrowThreshold {
                return try borrowing(a.data) { base, n, release, user, out in
                    ray_client_value_ndarray_borrowed(
                        a.dtype.rawValue, shape, shape.count, base, n, a.fortranOrder ? 1 : 0, release, user, &out)
                }
            }
            try a.data.withUnsafeBytes { b in
                try check(
                    ray_client_value_ndarray(
                        a.dtype.rawValue, shape, shape.count, b.baseAddress, b.count, a.fortranOrder ? 1 : 0, &out))
            }
        case .opaque:
            throw RayError.invalid("an opaque Python object (\(kindName)) cannot be sent back to the cluster")
        }
        guard let out else { throw RayError.invalid("the library returned no value") }
        return OwnedValue(out)
    }

    private static func container(
        _ items: [RayValue],
        _ make: (UnsafePointer<OpaquePointer?>?, Int, UnsafeMutablePointer<OpaquePointer?>?) -> ray_client_status,
        _ out: inout OpaquePointer?
    ) throws {
        let handles = try items.map { try $0.makeHandle() }
        let ptrs: [OpaquePointer?] = handles.map { $0.raw }
        try check(make(ptrs, ptrs.count, &out))
        withExtendedLifetime(handles) {}
    }

    /// Reads a (borrowed) value handle into a Swift value, recursively.
    init(handle v: OpaquePointer) throws {
        var kind: Int32 = 0
        try check(ray_client_value_kind(v, &kind))
        switch kind {
        case RAY_CLIENT_VALUE_NONE: self = .none
        case RAY_CLIENT_VALUE_BOOL:
            var b: Int32 = 0
            try check(ray_client_value_get_bool(v, &b))
            self = .bool(b != 0)
        case RAY_CLIENT_VALUE_INT:
            var i: Int64 = 0
            try check(ray_client_value_get_int(v, &i))
            self = .int(i)
        case RAY_CLIENT_VALUE_BIGINT:
            var s: UnsafeMutablePointer<CChar>?
            try check(ray_client_value_get_bigint(v, &s))
            self = .bigInt(takeString(s))
        case RAY_CLIENT_VALUE_FLOAT:
            var f = 0.0
            try check(ray_client_value_get_float(v, &f))
            self = .float(f)
        case RAY_CLIENT_VALUE_STR:
            var p: UnsafePointer<CChar>?
            var n = 0
            try check(ray_client_value_get_str(v, &p, &n))
            let bytes = p.map { UnsafeRawBufferPointer(start: $0, count: n) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            self = .string(String(decoding: bytes, as: UTF8.self))
        case RAY_CLIENT_VALUE_BYTES, RAY_CLIENT_VALUE_BYTEARRAY:
            var p: UnsafePointer<UInt8>?
            var n = 0
            try check(ray_client_value_get_bytes(v, &p, &n))
            let d = p.map { Data(bytes: $0, count: n) } ?? Data()
            self = kind == RAY_CLIENT_VALUE_BYTES ? .bytes(d) : .byteArray(d)
        case RAY_CLIENT_VALUE_LIST, RAY_CLIENT_VALUE_TUPLE, RAY_CLIENT_VALUE_SET, RAY_CLIENT_VALUE_FROZENSET:
            var n = 0
            try check(ray_client_value_len(v, &n))
            var items: [RayValue] = []
            items.reserveCapacity(n)
            for i in 0..<n {
                var item: OpaquePointer?
                try check(ray_client_value_item(v, i, &item))
                let owned = OwnedValue(item!)
                items.append(try RayValue(handle: owned.raw))
            }
            switch kind {
            case RAY_CLIENT_VALUE_LIST: self = .list(items)
            case RAY_CLIENT_VALUE_TUPLE: self = .tuple(items)
            case RAY_CLIENT_VALUE_SET: self = .set(items)
            default: self = .frozenSet(items)
            }
        case RAY_CLIENT_VALUE_DICT:
            var n = 0
            try check(ray_client_value_len(v, &n))
            var pairs: [(key: RayValue, value: RayValue)] = []
            pairs.reserveCapacity(n)
            for i in 0..<n {
                var k: OpaquePointer?
                var item: OpaquePointer?
                try check(ray_client_value_dict_item(v, i, &k, &item))
                let ok = OwnedValue(k!)
                let oi = OwnedValue(item!)
                pairs.append((key: try RayValue(handle: ok.raw), value: try RayValue(handle: oi.raw)))
            }
            self = .dict(pairs)
        case RAY_CLIENT_VALUE_OBJECT_REF:
            var r: OpaquePointer?
            try check(ray_client_value_get_object_ref(v, &r))
            self = .objectRef(ObjectRef(adopting: r!))
        case RAY_CLIENT_VALUE_ACTOR:
            var a: OpaquePointer?
            try check(ray_client_value_get_actor(v, &a))
            self = .actor(ActorHandle(adopting: a!))
        case RAY_CLIENT_VALUE_NDARRAY:
            var dtype: Int32 = 0
            var ndim = 0
            var shape: UnsafePointer<Int>?
            var data: UnsafeRawPointer?
            var nbytes = 0
            var fortran: Int32 = 0
            try check(ray_client_value_ndarray_info(v, &dtype, &ndim, &shape, &data, &nbytes, &fortran))
            guard let dt = DType(rawValue: dtype) else { throw RayError.mismatch("unknown numpy dtype \(dtype)") }
            let dims = shape.map { Array(UnsafeBufferPointer(start: $0, count: ndim)) } ?? []
            self = .ndarray(
                NDArray(
                    dtype: dt, shape: dims, data: data.map { Data(bytes: $0, count: nbytes) } ?? Data(),
                    fortranOrder: fortran != 0))
        default:
            var s: UnsafeMutablePointer<CChar>?
            try check(ray_client_value_to_json(v, &s))
            self = .opaque(json: takeString(s))
        }
    }

    /// Parses the library's JSON form of values (`{"$bytes": base64}`, `{"$tuple": [...]}`, ...).
    public init(json: String) throws {
        var out: OpaquePointer?
        try withCString(json, "JSON text") { try check(ray_client_value_from_json($0, &out)) }
        let owned = OwnedValue(out!)
        try self.init(handle: owned.raw)
    }

    /// This value as the library's JSON form.
    public func json() throws -> String {
        let h = try makeHandle()
        var s: UnsafeMutablePointer<CChar>?
        try check(ray_client_value_to_json(h.raw, &s))
        return takeString(s)
    }

    /// Decodes a pickle (protocols 0-5) symbolically, without a cluster: nothing is
    /// executed. A pickle that is not one (garbage, truncated) fails with
    /// `RayError.pickle`; pickles holding object refs are refused (refs come from a
    /// client). A numpy array in such a pickle comes back as `.opaque` (numpy's
    /// reconstruction described): arrays keep their typed form only through the object
    /// store.
    public init(pickle: Data) throws {
        var out: OpaquePointer?
        try pickle.withUnsafeBytes { p in
            try check(ray_client_value_from_pickle(p.bindMemory(to: UInt8.self).baseAddress, p.count, &out))
        }
        let owned = OwnedValue(out!)
        try self.init(handle: owned.raw)
    }

    /// This value as a protocol 5 pickle, as CPython's `pickle.loads` reads it (refs and
    /// actor handles cannot be pickled this way: `RayError.invalidArgument`).
    public func pickle() throws -> Data {
        let h = try makeHandle()
        var data: UnsafeMutablePointer<UInt8>?
        var n = 0
        try check(ray_client_value_to_pickle(h.raw, &data, &n))
        return takeBytes(data, n)
    }
}

extension RayValue: CustomStringConvertible {
    /// Python-like text: `{'a': [1, 2.5, None]}`.
    public var description: String {
        func bytes(_ d: Data) -> String {
            "b'" + d.map { b in (32..<127).contains(b) && b != 39 && b != 92
                ? String(UnicodeScalar(b)) : String(format: "\\x%02x", b) }.joined() + "'"
        }
        func items(_ xs: [RayValue]) -> String { xs.map(\.description).joined(separator: ", ") }
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .bigInt(let s): return s
        case .float(let f): return String(f)
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "\\'") + "'"
        case .bytes(let d): return bytes(d)
        case .byteArray(let d): return "bytearray(\(bytes(d)))"
        case .list(let xs): return "[\(items(xs))]"
        case .tuple(let xs): return xs.count == 1 ? "(\(items(xs)),)" : "(\(items(xs)))"
        case .set(let xs): return xs.isEmpty ? "set()" : "{\(items(xs))}"
        case .frozenSet(let xs): return "frozenset({\(items(xs))})"
        case .dict(let pairs): return "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .objectRef(let r): return r.description
        case .actor(let a): return a.description
        case .ndarray(let a): return "array(dtype=\(a.dtype), shape=\(a.shape))"
        case .opaque(let json): return "<object \(json)>"
        }
    }
}
