import Foundation
import Testing

@testable import RayClient

extension AllTests {
    /// Swift values to Ray values and back, through the object store and through Python.
    @Suite struct ValueTests {
        @Test func scalarsRoundTripThroughTheObjectStore() async throws {
            let c = try Fixture.client()
            #expect(try await c.get(c.put(42), as: Int.self) == 42)
            #expect(try await c.get(c.put(Int64.min), as: Int64.self) == Int64.min)
            #expect(try await c.get(c.put(2.5), as: Double.self) == 2.5)
            #expect(try await c.get(c.put(true), as: Bool.self) == true)
            // Non-ASCII and an embedded NUL survive (the C side takes a length, not a C string).
            let s = "héllo, wörld \u{0} 🚀"
            #expect(try await c.get(c.put(s), as: String.self) == s)
            let bytes = Data([0, 1, 2, 255, 0])
            #expect(try await c.get(c.put(bytes), as: Data.self) == bytes)
            #expect(try await c.get(c.put(Data()), as: Data.self) == Data())
            #expect(try await c.get(c.put(RayValue.none)) == .none)
            let nothing: Int? = nil
            #expect(try await c.get(c.put(nothing), as: Int?.self) == nil)
            #expect(try await c.get(c.put(Int?.some(3)), as: Int?.self) == 3)
        }

        @Test func containersRoundTrip() async throws {
            let c = try Fixture.client()
            #expect(try await c.get(c.put([1, 2, 3]), as: [Int].self) == [1, 2, 3])
            #expect(try await c.get(c.put(["a": 1, "b": 2]), as: [String: Int].self) == ["a": 1, "b": 2])
            let nested: [String: [String]] = ["x": ["p", "q"], "y": []]
            #expect(try await c.get(c.put(nested), as: [String: [String]].self) == nested)
            let v: RayValue = [1, "two", 3.0, nil, true, ["k": [1, 2]]]
            #expect(try await c.get(c.put(v)) == v)
            let kinds: RayValue = .list([
                .tuple([1, 2]), .set(["s"]), .frozenSet([7]), .bigInt("123456789012345678901234567890"),
                .bigInt("-99999999999999999999"), .dict([(key: 1, value: "int key")]),
            ])
            #expect(try await c.get(c.put(kinds)) == kinds)
            // Ray's object store turns a bytearray into bytes.
            #expect(try await c.get(c.put(RayValue.byteArray(Data([9])))) == .bytes(Data([9])))
        }

        @Test func pythonSeesTheExpectedTypes() async throws {
            let c = try Fixture.client()
            func typeName(_ v: any RayEncodable) async throws -> String {
                try await c.get(c.call(task("type_name"), [v]), as: String.self)
            }
            #expect(try await typeName(1) == "int")
            #expect(try await typeName(1.5) == "float")
            #expect(try await typeName("s") == "str")
            #expect(try await typeName(Data([1])) == "bytes")
            #expect(try await typeName(true) == "bool")
            #expect(try await typeName(RayValue.none) == "NoneType")
            #expect(try await typeName([1, 2]) == "list")
            #expect(try await typeName(["a": 1]) == "dict")
            #expect(try await typeName(RayValue.tuple([1])) == "tuple")
            #expect(try await typeName(RayValue.list([1.5, 2.5])) == "list")
            #expect(try await typeName([1.5, 2.5] as [Double]) == "ndarray")
        }

        @Test func doubleArraysAreNumpyArrays() async throws {
            let c = try Fixture.client()
            let xs: [Double] = [1.5, 2.5, -4]
            let d = try await c.get(c.call(task("describe_array"), [xs]))
            #expect(d["type"] == "numpy.ndarray")
            #expect(d["dtype"] == "float64")
            #expect(d["shape"] == [3])
            #expect(d["sum"] == 0.0)
            #expect(try await c.get(c.call(task("identity"), [xs]), as: [Double].self) == xs)

            // A 2-D array from Python, and a 2-D int32 array to Python.
            let m = try await c.get(c.call(task("make_array"), [2, 3]), as: NDArray.self)
            #expect(m.dtype == .float64 && m.shape == [2, 3] && !m.fortranOrder)
            #expect(try m.doubles() == [0, 1, 2, 3, 4, 5])
            var ints: [Int32] = ([1, 2, 3, 4] as [Int32]).map { $0.littleEndian }
            let a = NDArray(dtype: .int32, shape: [2, 2], data: Data(bytes: &ints, count: 16))
            let e = try await c.get(c.call(task("describe_array"), [a]))
            #expect(e["dtype"] == "int32" && e["shape"] == [2, 2] && e["sum"] == 10.0)
            #expect(try await c.get(c.put(a), as: NDArray.self) == a)
        }

        @Test func conversionsRefuseTheWrongType() async throws {
            let c = try Fixture.client()
            let s = try c.put("text")
            await expectRayError({ $0.isTypeMismatch && $0.message.contains("str") }) {
                _ = try await c.get(s, as: Int.self)
            }
            await expectRayError({ $0.isTypeMismatch }) { _ = try await c.get(c.put(300), as: Int8.self) }
            await expectRayError({ $0.isTypeMismatch }) { _ = try await c.get(c.put([1, 2]), as: [String].self) }
            await expectRayError({ $0.isTypeMismatch }) { _ = try await c.get(c.put(RayValue.none), as: Double.self) }
            // A 2-D array is not a [Double].
            let m = try c.call(task("make_array"), [2, 2])
            await expectRayError({ $0.isTypeMismatch && $0.message.contains("1-D") }) {
                _ = try await c.get(m, as: [Double].self)
            }
        }

        @Test func badValuesAreRefusedWithClearErrors() async throws {
            let c = try Fixture.client()
            await expectRayError({ $0.isInvalidArgument }) {
                _ = try c.put(NDArray(dtype: .float64, shape: [2, 2], data: Data(count: 8)))
            }
            await expectRayError({ $0.isInvalidArgument }) {
                _ = try c.put(NDArray(dtype: .float64, shape: [-1], data: Data()))
            }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.put(RayValue.bigInt("12x")) }
            await expectRayError({ $0.isInvalidArgument && $0.message.contains("opaque") }) {
                _ = try c.put(RayValue.opaque(json: "{}"))
            }
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayValue(json: "{not json") }
        }

        @Test func numericTypes() async throws {
            let c = try Fixture.client()
            #expect(try await c.get(c.put(Float(1.5)), as: Float.self) == 1.5)
            #expect(try await c.get(c.put(UInt8(255)), as: UInt8.self) == 255)
            #expect(try await c.get(c.put(Int16(-300)), as: Int16.self) == -300)
            #expect(try await c.get(c.put(Int32.max), as: Int32.self) == Int32.max)
            #expect(try await c.get(c.put(UInt32.max), as: UInt32.self) == UInt32.max)
            #expect(try await c.get(c.put(Int8(-8)), as: Int8.self) == -8)
            #expect(try await c.get(c.put(UInt16(9)), as: UInt16.self) == 9)
            #expect(try await c.get(c.put(UInt(7)), as: UInt.self) == 7)
            // Beyond Int64: a Python big int, and back.
            #expect(try c.put(UInt64.max).description.hasPrefix("ObjectRef("))
            #expect(try await c.get(c.put(UInt64.max)) == .bigInt("18446744073709551615"))
            #expect(try await c.get(c.put(UInt64.max), as: UInt64.self) == UInt64.max)
            // Python computes past 64 bits: 2**80.
            #expect(try await c.get(c.call(task("square"), [UInt64(1) << 40])) == .bigInt("1208925819614629174706176"))
            await expectRayError({ $0.isTypeMismatch }) { _ = try await c.get(c.put(UInt64.max), as: Int64.self) }
            await expectRayError({ $0.isTypeMismatch }) { _ = try await c.get(c.put(-1), as: UInt.self) }
            // Python mixes ints and floats; bools are ints.
            #expect(try await c.get(c.put(3), as: Double.self) == 3.0)
            #expect(try await c.get(c.put(true), as: Int.self) == 1)
        }

        @Test func ndarrayElementTypes() throws {
            func array<T: FixedWidthInteger>(_ dtype: DType, _ xs: [T]) -> NDArray {
                var le = xs.map { $0.littleEndian }
                return NDArray(dtype: dtype, shape: [xs.count], data: Data(bytes: &le, count: xs.count * MemoryLayout<T>.size))
            }
            #expect(try array(.int8, [-1, 2] as [Int8]).doubles() == [-1, 2])
            #expect(try array(.uint8, [255] as [UInt8]).doubles() == [255])
            #expect(try array(.int16, [-300] as [Int16]).doubles() == [-300])
            #expect(try array(.uint16, [60000] as [UInt16]).doubles() == [60000])
            #expect(try array(.int32, [-70000] as [Int32]).doubles() == [-70000])
            #expect(try array(.uint32, [4_000_000_000] as [UInt32]).doubles() == [4e9])
            #expect(try array(.int64, [-5] as [Int64]).doubles() == [-5])
            #expect(try array(.uint64, [5] as [UInt64]).doubles() == [5])
            #expect(try array(.bool, [1, 0] as [UInt8]).doubles() == [1, 0])
            #expect(try array(.float32, [Float(2.5).bitPattern]).doubles() == [2.5])
            #expect(DType.allCases.map(\.size) == [1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8])
            #expect(try [Double](rayValue: .ndarray(array(.int32, [1, 2] as [Int32]))) == [1, 2])
        }

        @Test func errorsDescribeThemselves() {
            let d = RayErrorDetails(
                code: -7, kind: "task_error", message: "boom", remoteType: "ray.exceptions.RayTaskError(ValueError)",
                causeType: "ValueError", traceback: "Traceback ...")
            let e = RayError(d)
            #expect(e == .taskError(d) && e.details == d)
            #expect(e.code == -7 && e.kind == "task_error" && e.message == "boom")
            #expect(e.remoteType == d.remoteType && e.causeType == "ValueError" && e.traceback == "Traceback ...")
            #expect(e.description == "RayError.task_error: boom [ray.exceptions.RayTaskError(ValueError)]")
            let codes: [(Int32, (RayError) -> Bool)] = [
                (-1, \.isInvalidArgument), (-2, \.isConnectionFailed), (-3, \.isConnectionLost), (-6, \.isTimeout),
                (-7, \.isTaskError), (-8, \.isActorDied), (-10, \.isTaskCancelled), (-20, \.isInvalidArgument),
                (-21, \.isInvalidArgument), (-22, \.isInvalidArgument),
            ]
            for (code, matches) in codes {
                #expect(matches(RayError(RayErrorDetails(code: code, kind: "k", message: "m"))), "code \(code)")
            }
            for (code, name) in [(-4, "versionMismatch"), (-5, "initFailed"), (-15, "authenticationFailed"), (-9, "objectLost"), (-11, "serverError"),
                                 (-12, "pickle"), (-13, "protocolError"), (-14, "internalError"), (-23, "internalError")] as [(Int32, String)] {
                let e = RayError(RayErrorDetails(code: code, kind: "k", message: "m"))
                #expect(String(describing: Mirror(reflecting: e).children.first?.label ?? "") == name, "code \(code)")
            }
        }

        @Test func jsonForm() throws {
            let v = try RayValue(json: #"{"a": [1, 2.5, "x", null, true], "b": {"$bytes": "AQI="}}"#)
            #expect(v["a"] == [1, 2.5, "x", nil, true])
            #expect(v["b"] == .bytes(Data([1, 2])))
            #expect(try RayValue(json: try v.json()) == v)
            #expect(v.description == "{'a': [1, 2.5, 'x', None, True], 'b': b'\\x01\\x02'}")
            #expect(RayValue.tuple([1]).description == "(1,)")
            #expect(RayValue.set([]).description == "set()")
            #expect(RayValue.frozenSet(["it's"]).description == #"frozenset({'it\'s'})"#)
            #expect(RayValue.byteArray(Data("a'".utf8)).description == #"bytearray(b'a\x27')"#)
            #expect(RayValue.ndarray(NDArray([1, 2])).description == "array(dtype=float64, shape=[2])")
            #expect(RayValue.bigInt("-1").kindName == "int")
        }

        @Test func pickleFormWithoutACluster() async throws {
            let v: RayValue = [
                "a": [1, 2.5, "x", nil, true], "b": .bytes(Data([0, 255])),
                "c": .tuple([1, .bigInt("123456789012345678901234567890")]), "d": .set(["s"]),
            ]
            let pickle = try v.pickle()
            #expect(pickle.first == 0x80 && pickle.dropFirst().first == 5)  // PROTO 5
            #expect(try RayValue(pickle: pickle) == v)
            // CPython reads it, and what CPython pickles reads back.
            let c = try Fixture.client()
            #expect(try await c.get(c.call(task("unpickle"), [pickle])) == v)
            let fromPython = try await c.get(c.call(task("pickle_of"), [v]), as: Data.self)
            #expect(try RayValue(pickle: fromPython) == v)
            // Not a pickle, a truncated one, and refs (which only a client can carry).
            await expectRayError({ $0.isPickle }) { _ = try RayValue(pickle: Data("garbage".utf8)) }
            await expectRayError({ $0.isPickle }) { _ = try RayValue(pickle: pickle.prefix(pickle.count / 2)) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try RayValue.objectRef(c.put(1)).pickle() }
        }
    }
}
