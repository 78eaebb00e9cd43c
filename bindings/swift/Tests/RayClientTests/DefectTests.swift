import CRayClient
import Foundation
import Testing

@testable import RayClient

/// A thread-safe counter, for what a deallocator on the library's I/O thread counts.
final class Count: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

extension AllTests {
    /// Issue 15 from Swift, against the cluster: numpy scalars as numbers, a cancelled task
    /// as `.taskCancelled`, dicts with any keys, error texts as Python prints them, sets equal
    /// in any order, log lines without colour codes, large puts without a copy, option values
    /// Ray refuses. Mirrors tests/defects.rs and tests/c/test_defects.c.
    @Suite struct DefectTests {
        @Test func numpyScalarsArriveAsPlainNumbers() async throws {
            let c = try Fixture.client()
            let total = try await c.get(c.call(task("numpy_total")))
            #expect(total == .float(66.0))
            #expect(try Double(rayValue: total) == 66.0)

            let v = try await c.get(c.call(task("numpy_scalars")), as: [String: RayValue].self)
            let want: [String: RayValue] = [
                "sum": .float(66.0), "mean": .float(5.5), "float32": .float(1.5), "float16": .float(0.25),
                "int64": .int(-3), "int32": .int(7), "int16": .int(-300), "int8": .int(-8), "uint8": .int(200),
                "uint16": .int(60000), "uint32": .int(4_000_000_000), "int_sum": .int(10), "bool": .bool(true),
                // uint64's maximum does not fit an Int64: a big int, as Python's int.
                "uint64": .bigInt("18446744073709551615"),
            ]
            for (key, expected) in want {
                #expect(v[key] == expected, "\(key): \(String(describing: v[key]))")
            }
            #expect(try UInt64(rayValue: v["uint64"]!) == UInt64.max)
            #expect(try Int(rayValue: v["int_sum"]!) == 10)
            #expect(try Bool(rayValue: v["bool"]!))
        }

        @Test func aCancelledTaskIsTaskCancelled() async throws {
            let c = try Fixture.client()
            // A warm worker first, so that after 2 s the task is running, not queued.
            _ = try await c.get(c.call(task("nop")))
            let r = try c.call(task("spin_forever"))
            try await Task.sleep(for: .seconds(2))
            try c.cancel(r, force: false, recursive: true)
            let e = await expectRayError({ $0.isTaskCancelled }) { _ = try await c.get(r, timeout: .seconds(60)) }
            #expect(e?.kind == "task_cancelled")
            #expect(e?.code == RAY_CLIENT_ERROR_TASK_CANCELLED.rawValue)
            #expect(e?.causeType == "TaskCancelledError", "\(String(describing: e))")
            let remote = e?.remoteMessage ?? ""
            #expect(remote.hasPrefix("Task: TaskID(") && remote.hasSuffix("was cancelled."), "\(remote)")
            #expect(e?.message.hasPrefix("get: TaskCancelledError: Task: TaskID(") == true, "\(String(describing: e))")
            #expect(e?.message.contains("Bytes(") == false)
        }

        @Test func dictsWithAnyKeysArriveAndGoBackEqual() async throws {
            let c = try Fixture.client()
            let v = try await c.get(c.call(task("tuple_keyed")))
            guard case .dict(let pairs) = v else {
                Issue.record("not a dict: \(v)")
                return
            }
            #expect(pairs.map(\.key.kindName) == ["tuple", "tuple", "frozenset", "bytes", "int"])
            let built: RayValue = .dict([
                (key: .tuple([1, 2]), value: "a"), (key: .tuple([3, "x"]), value: "b"),
                (key: .frozenSet([4]), value: "c"), (key: .bytes(Data("k".utf8)), value: "d"), (key: 5, value: "e"),
            ])
            #expect(v == built)
            // Back through a task: equal.
            #expect(try await c.get(c.call(task("identity"), [v])) == v)
            // As a Swift dictionary keyed by any value (RayValue is Hashable).
            let d = try [RayValue: String](rayValue: v)
            #expect(d.count == 5)
            #expect(d[.tuple([1, 2])] == "a" && d[.tuple([3, "x"])] == "b")
            #expect(d[.frozenSet([4])] == "c" && d[.bytes(Data("k".utf8))] == "d" && d[5] == "e")
            #expect(try [Int: String](rayValue: [1: "one", 2: "two"]) == [1: "one", 2: "two"])
            // Read as str keys it is a type mismatch naming the key, not a crash.
            let e = await expectRayError({ $0.isTypeMismatch }) { _ = try [String: String](rayValue: v) }
            #expect(e?.message.contains("tuple") == true, "\(String(describing: e))")
        }

        @Test func errorMessagesReadAsPythonPrintsThem() async throws {
            let c = try Fixture.client()
            let e = await expectRayError({ $0.isTaskError }) {
                _ = try await c.get(c.call(task("raise_key_error"), ["x"]))
            }
            #expect(e?.message == "get: KeyError: 'x'")
            #expect(e?.remoteMessage == "'x'")
            #expect(e?.causeType == "KeyError")
            // The description and localizedDescription show the message once.
            let text = e.map { "\($0)" } ?? ""
            #expect(text.components(separatedBy: "get: KeyError: 'x'").count == 2, "\(text)")
            #expect(!text.contains("get: get:"), "\(text)")
            #expect(e?.localizedDescription == "get: KeyError: 'x'")

            let b = await expectRayError({ $0.isTaskError }) { _ = try await c.get(c.call(task("boom"), [3])) }
            #expect(b?.message == "get: ValueError: bad value 3")
            #expect(b?.remoteMessage == "bad value 3")

            // What the user asked for, not an internal step.
            let lookup = await expectRayError({ if case .serverError = $0 { true } else { false } }) {
                _ = try c.call(task("no_such_function"))
            }
            #expect(
                lookup?.message.hasPrefix("looking up rc_test_tasks.no_such_function on the cluster: AttributeError: ")
                    == true, "\(String(describing: lookup))")

            // A killed actor: Python's text, with why it died.
            let a = try c.createActor(actorClass("Counter"))
            #expect(try await c.get(c.call(a, method: "incr"), as: Int.self) == 1)
            let died = try await errorOnceKilled(c, a, method: "incr")
            #expect(died?.isActorDied == true, "\(String(describing: died))")
            #expect(died?.kind == "actor_died")
            let remote = died?.remoteMessage ?? ""
            #expect(remote.hasPrefix("The actor died unexpectedly"), "\(remote)")
            #expect(remote.contains("killed by `ray.kill`"), "\(remote)")
            #expect(died?.message.hasPrefix("get: ActorDiedError: The actor died") == true, "\(String(describing: died))")
            #expect(died.map { !"\($0)".contains("get: get:") } == true)
        }

        @Test func setsAndDictsEqualInAnyOrder() async throws {
            #expect(RayValue.set([1, 2, 3]) == .set([3, 1, 2]))
            #expect(RayValue.frozenSet(["a", .tuple([1, 2])]) == .frozenSet([.tuple([1, 2]), "a"]))
            #expect(RayValue.set([1, 2]) != .set([1, 3]))
            #expect(RayValue.set([1, 2]) != .frozenSet([1, 2]))
            #expect(RayValue.dict([(key: 1, value: "a"), (key: 2, value: "b")]) == [2: "b", 1: "a"])
            #expect(RayValue.dict([(key: 1, value: "a"), (key: 2, value: "b")]) != [1: "b", 2: "a"])
            #expect(RayValue.list([1, 2]) != [2, 1])
            #expect(RayValue.tuple([1, 2]) != .tuple([2, 1]))
            // Hashes agree with ==, so such values work as Set elements and Dictionary keys.
            #expect(Set<RayValue>([.set([1, 2, 3]), .set([3, 2, 1])]).count == 1)
            #expect(RayValue.set([.frozenSet([1, 2]), 3]).hashValue == RayValue.set([3, .frozenSet([2, 1])]).hashValue)

            let c = try Fixture.client()
            let items: [RayValue] = (0..<40).map { .int(Int64($0 * 7919 % 1000)) }
            let sent = RayValue.set(items)
            #expect(try await c.get(c.call(task("identity"), [sent])) == sent)
            let built = try await c.get(c.call(task("set_of"), items))
            #expect(built.kindName == "set")
            #expect(built == sent)
            #expect(built == .set(items.reversed()))
            #expect(try await c.get(c.call(task("identity"), [RayValue.frozenSet(items)])) == .frozenSet(items.reversed()))
        }

        @Test func logLinesArriveWithoutColourCodes() async throws {
            let lines = Collected<String>()
            var o = try Fixture.options()
            o.logs = .callback { lines.append($0.message) }
            let c = try RayClient(o)
            #expect(try await c.get(c.call(task("colour_print"), ["swift-tinted"]), as: String.self) == "swift-tinted")
            let arrived = await Fixture.eventually { lines.all.contains { $0.contains("swift-tinted") } }
            #expect(arrived, "no output arrived")
            let line = lines.all.first { $0.contains("swift-tinted") } ?? ""
            #expect(!line.contains("\u{1b}"), "\(line.debugDescription)")
            #expect(line.contains("(colour_print pid="), "\(line.debugDescription)")
        }

        @Test func largePutsWithoutACopy() async throws {
            let c = try Fixture.client()
            let n = 64 << 20
            func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 31 &+ (i >> 20)) }
            let memory = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 64)
            for i in 0..<n { memory.storeBytes(of: byte(i), toByteOffset: i, as: UInt8.self) }
            let expected = Data(bytes: memory, count: n)
            let released = Count()
            var ref: ObjectRef?
            do {
                // Your own memory, lent: the library reads it in place.
                let data = Data(bytesNoCopy: memory, count: n, deallocator: .custom { p, _ in
                    p.deallocate()
                    released.increment()
                })
                let h = try RayValue.bytes(data).makeHandle()
                var at: UnsafePointer<UInt8>?
                var len = 0
                #expect(ray_client_value_get_bytes(h.raw, &at, &len) == RAY_CLIENT_OK)
                #expect(UnsafeRawPointer(at) == UnsafeRawPointer(memory) && len == n, "the bytes were copied")
                ref = try c.put(data)
                #expect(released.value == 0)  // `data` and `h` still hold it
            }
            let back = try await c.get(ref!, as: Data.self)
            #expect(back.count == n)
            #expect(back == expected)
            // Released once, when neither this test nor the library holds it (the put's
            // data may be let go on the I/O thread just after the put returned).
            #expect(await Fixture.eventually(100) { released.value == 1 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(released.value == 1)

            // 64 MiB of doubles: lent as a float64 numpy array, no copy at all.
            let doubles = (0..<(n / 8)).map { Double($0 % 1000) }
            let h = try makeHandle(for: doubles)
            var data: UnsafeRawPointer?
            #expect(ray_client_value_ndarray_info(h.raw, nil, nil, nil, &data, nil, nil) == RAY_CLIENT_OK)
            #expect(data == doubles.withUnsafeBytes { $0.baseAddress }, "the doubles were copied")
            let r = try c.put(doubles)
            #expect(try await c.get(r, as: [Double].self) == doubles)
            // As an argument too (a task sums it).
            let sum = try await c.get(c.call(task("describe_array"), [doubles]))
            #expect(sum["sum"] == .float(Double((0..<(n / 8)).reduce(0) { $0 + $1 % 1000 })))
        }

        @Test func optionValuesRayRefusesFailBeforeAnythingIsSent() async throws {
            let c = try Fixture.client()
            let cases: [(String, (inout Options) -> Void)] = [
                ("max_retries only accepts 0, -1 or a positive integer", { $0.maxRetries = -2 }),
                ("max_concurrency only accepts 0 or a positive integer", { $0.maxConcurrency = -1 }),
                ("max_restarts only accepts", { $0.maxRestarts = -5 }),
                ("max_task_retries only accepts", { $0.maxTaskRetries = -2 }),
                ("num_cpus must be a finite number >= 0", { $0.numCPUs = -1 }),
            ]
            for (rule, set) in cases {
                var o = Options()
                set(&o)
                let early = await expectRayError({ $0.isInvalidArgument }) { try o.validate() }
                #expect(early?.message.contains(rule) == true, "\(String(describing: early))")
                let call = await expectRayError({ $0.isInvalidArgument }) {
                    _ = try c.call(task("square"), [2], options: o)
                }
                #expect(call?.message.contains(rule) == true, "\(String(describing: call))")
                let attached = await expectRayError({ $0.isInvalidArgument }) { _ = try task("square").withOptions(o) }
                #expect(attached?.message.contains(rule) == true, "\(String(describing: attached))")
            }
            let streaming = try Options().setting("num_returns", "streaming")
            let s = await expectRayError({ $0.isInvalidArgument }) { try streaming.validate() }
            #expect(s?.message.contains("call the generator as an item stream") == true, "\(String(describing: s))")

            // Nothing was sent: a named actor with a refused option does not exist after.
            let name = Fixture.unique("swift-refused")
            var ao = Options()
            ao.name = name
            ao.maxConcurrency = -1
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.createActor(actorClass("Counter"), options: ao) }
            await expectRayError({ $0.isInvalidArgument }) { _ = try c.actor(named: name) }

            // What Ray accepts stays accepted: -1 (forever), num_returns 0 (no result).
            var forever = Options()
            forever.maxRetries = -1
            try forever.validate()
            #expect(try await c.get(c.call(task("square"), [7], options: forever), as: Int.self) == 49)
            #expect(try c.call(task("nop"), returns: 0).isEmpty)

            // A zero connect timeout is refused at once, before connecting.
            var co = try Fixture.options()
            co.connectTimeout = .zero
            let start = ContinuousClock.now
            let t = await expectRayError({ $0.isInvalidArgument }) { _ = try RayClient(co) }
            #expect(t?.message.contains("greater than zero") == true, "\(String(describing: t))")
            #expect(ContinuousClock.now - start < .seconds(5))
        }
    }
}
