// Conversions between Swift types and Ray values: the RayEncodable / RayDecodable protocols
// and the conformances of the integer types, Double, Float, Bool, String, Data, Optional,
// Array, Dictionary, NDArray, ObjectRef and ActorHandle.
import Foundation

/// A Swift value that can be sent to Ray (as an argument, or with `put`).
///
/// Conforming: `RayValue`, `Int` and the other integer types, `Double`, `Float`, `Bool`,
/// `String`, `Data` (Python `bytes`), `[T]` (a Python `list`, except `[Double]`: a 1-D
/// float64 numpy array), `[String: T]` (a `dict`), `Optional` (nil is `None`), `NDArray`,
/// `ObjectRef`, `ActorHandle`. (A large `Data` or `[Double]` is sent without a copy: see
/// ``RayClient/put(_:)``.)
public protocol RayEncodable {
    /// This value as a Ray value.
    func rayValue() throws -> RayValue
}

/// A Swift type a Ray value can be converted to (the result of `get`, ...). Conversions
/// are strict: an `Int` must come from a Python int (or bool), a `String` from a str; a
/// mismatch throws `RayError.typeMismatch`.
public protocol RayDecodable {
    /// Converts `value`, or throws `RayError.typeMismatch`.
    init(rayValue value: RayValue) throws
}

/// Both directions.
public typealias RayConvertible = RayEncodable & RayDecodable

func mismatch(_ want: String, _ got: RayValue) -> RayError {
    .mismatch("expected \(want), got a Python \(got.kindName)")
}

extension RayValue: RayConvertible {
    public func rayValue() -> RayValue { self }
    public init(rayValue value: RayValue) { self = value }
}

extension Bool: RayConvertible {
    public func rayValue() -> RayValue { .bool(self) }
    public init(rayValue v: RayValue) throws {
        guard case .bool(let b) = v else { throw mismatch("bool", v) }
        self = b
    }
}

extension String: RayConvertible {
    public func rayValue() -> RayValue { .string(self) }
    public init(rayValue v: RayValue) throws {
        guard case .string(let s) = v else { throw mismatch("str", v) }
        self = s
    }
}

extension Data: RayConvertible {
    public func rayValue() -> RayValue { .bytes(self) }
    public init(rayValue v: RayValue) throws {
        switch v {
        case .bytes(let d), .byteArray(let d): self = d
        default: throw mismatch("bytes", v)
        }
    }
}

extension Double: RayConvertible {
    public func rayValue() -> RayValue { .float(self) }
    /// From a float, or an int (Python code mixes them freely).
    public init(rayValue v: RayValue) throws {
        switch v {
        case .float(let f): self = f
        case .int(let i): self = Double(i)
        default: throw mismatch("float", v)
        }
    }
}

extension Float: RayConvertible {
    public func rayValue() -> RayValue { .float(Double(self)) }
    public init(rayValue v: RayValue) throws { self = Float(try Double(rayValue: v)) }
}

/// Integers: from a Python int that fits (a bool counts as 0/1, as in Python).
extension RayEncodable where Self: BinaryInteger {
    public func rayValue() throws -> RayValue {
        if let i = Int64(exactly: self) { return .int(i) }
        return .bigInt(String(self))
    }
}

extension RayDecodable where Self: FixedWidthInteger {
    public init(rayValue v: RayValue) throws {
        switch v {
        case .int(let i):
            guard let x = Self(exactly: i) else { throw RayError.mismatch("\(i) does not fit in \(Self.self)") }
            self = x
        case .bigInt(let s):
            guard let x = Self(s) else { throw RayError.mismatch("\(s) does not fit in \(Self.self)") }
            self = x
        case .bool(let b): self = b ? 1 : 0
        default: throw mismatch("int", v)
        }
    }
}

extension Int: RayConvertible {}
extension Int64: RayConvertible {}
extension Int32: RayConvertible {}
extension Int16: RayConvertible {}
extension Int8: RayConvertible {}
extension UInt: RayConvertible {}
extension UInt64: RayConvertible {}
extension UInt32: RayConvertible {}
extension UInt16: RayConvertible {}
extension UInt8: RayConvertible {}

extension Optional: RayEncodable where Wrapped: RayEncodable {
    /// nil is `None`.
    public func rayValue() throws -> RayValue {
        switch self {
        case .none: return .none
        case .some(let w): return try w.rayValue()
        }
    }
}

extension Optional: RayDecodable where Wrapped: RayDecodable {
    /// `None` is nil.
    public init(rayValue v: RayValue) throws {
        if case .none = v { self = .none } else { self = .some(try Wrapped(rayValue: v)) }
    }
}

extension Array: RayEncodable where Element: RayEncodable {
    /// A Python list, except `[Double]`: a 1-D float64 numpy array (the form numeric Python
    /// code expects; send `RayValue.list` for a list of floats).
    public func rayValue() throws -> RayValue {
        if let doubles = self as? [Double] { return .ndarray(NDArray(doubles)) }
        return .list(try map { try $0.rayValue() })
    }
}

extension Array: RayDecodable where Element: RayDecodable {
    /// From a list, tuple, set or frozenset; `[Double]` and `[Float]` also from a 1-D numpy
    /// array of any numeric dtype.
    public init(rayValue v: RayValue) throws {
        switch v {
        case .list(let items), .tuple(let items), .set(let items), .frozenSet(let items):
            self = try items.map { try Element(rayValue: $0) }
        case .ndarray(let a):
            guard a.shape.count == 1 else {
                throw RayError.mismatch("expected a 1-D array, got shape \(a.shape)")
            }
            self = try a.doubles().map { try Element(rayValue: .float($0)) }
        default:
            throw mismatch("list", v)
        }
    }
}

extension Dictionary: RayEncodable where Key == String, Value: RayEncodable {
    /// A Python dict with str keys (in key order, so the result does not depend on hashing).
    public func rayValue() throws -> RayValue {
        .dict(try sorted { $0.key < $1.key }.map { (key: .string($0.key), value: try $0.value.rayValue()) })
    }
}

extension Dictionary: RayDecodable where Key: RayDecodable, Value: RayDecodable {
    /// From a dict whose keys all convert to `Key`: `[String: T]` for str keys, `[Int: T]`
    /// for int keys, `[RayValue: T]` for keys of any kind (tuples, frozensets, bytes, ...).
    /// Keys equal once converted keep the last value, as in Python.
    public init(rayValue v: RayValue) throws {
        guard case .dict(let pairs) = v else { throw mismatch("dict", v) }
        var d: [Key: Value] = [:]
        for (k, item) in pairs {
            let key: Key
            do { key = try Key(rayValue: k) } catch { throw mismatch("a \(Key.self) key", k) }
            d[key] = try Value(rayValue: item)
        }
        self = d
    }
}

extension NDArray: RayConvertible {
    public func rayValue() -> RayValue { .ndarray(self) }
    public init(rayValue v: RayValue) throws {
        guard case .ndarray(let a) = v else { throw mismatch("numpy.ndarray", v) }
        self = a
    }
}

extension ObjectRef: RayConvertible {
    public func rayValue() -> RayValue { .objectRef(self) }
    public convenience init(rayValue v: RayValue) throws {
        guard case .objectRef(let r) = v else { throw mismatch("ObjectRef", v) }
        try self.init(cloning: r)
    }
}

extension ActorHandle: RayConvertible {
    public func rayValue() -> RayValue { .actor(self) }
    public convenience init(rayValue v: RayValue) throws {
        guard case .actor(let a) = v else { throw mismatch("ActorHandle", v) }
        try self.init(cloning: a)
    }
}
