// The Swift quickstart: connect, put/get, remote functions from Python source, an actor,
// wait, a remote exception, KV and cluster resources.
//
//   swift run ray-client-swift-example [ray://host:port]     (default: $RAY_ADDRESS)
import Foundation
import RayClient

let address = CommandLine.arguments.dropFirst().first ?? ProcessInfo.processInfo.environment["RAY_ADDRESS"] ?? ""

do {
    var options = ConnectOptions(address: address)
    options.namespace = "swift-example"
    // Task output comes back line by line; here it is printed with a prefix.
    options.logs = .callback { line in
        guard !line.message.allSatisfy(\.isWhitespace) else { return }
        FileHandle.standardError.write(Data("[cluster] \(line.message)".utf8))
    }
    let client = try RayClient(options)
    let server = try client.serverInfo()
    print("connected to Ray \(server.rayVersion) (Python \(server.pythonVersion)) at \(try client.clientInfo().address)")

    // Objects: any RayEncodable goes in, get(_:as:) brings it back typed.
    let ref = try client.put(["answer": 42, "numbers": [1, 2, 3]] as [String: RayValue])
    print("put/get:", try await client.get(ref))

    // A remote function defined by Python source; [Double] arrives as a numpy array.
    // (RemoteFunction(module:qualname:) names one importable on the cluster instead.)
    let stats = """
        def stats(xs, scale=1.0):
            import numpy as np
            print("computing stats of", len(xs), "values")
            return {"mean": float(np.mean(xs)) * scale, "max": float(np.max(xs)) * scale}
        """
    let statsFunction = try RemoteFunction(source: stats, name: "stats")
    let s = try client.call(statsFunction, [[1.0, 2.0, 6.0] as [Double]], kwargs: ["scale": 10.0])
    print("stats:", try await client.get(s, as: [String: Double].self))

    // Several tasks at once, then wait for the first and get the rest. A function is made
    // once and called any number of times; withOptions gives a copy with options attached
    // (Python's f.options(...)), over which a call may put options of its own.
    var light = Options()
    light.numCPUs = 0.5
    let square = try RemoteFunction(source: "def square(x):\n    return x * x\n", name: "square").withOptions(light)
    let refs = try (1...4).map { try client.call(square, [$0]) }
    let (ready, _) = try await client.wait(refs, numReturns: 1)
    print("first ready:", ready.count, "of", refs.count, "- all:", try await client.get(refs, as: Int.self))

    // An actor from source, with a name, and its methods.
    let counterClass = """
        class Counter:
            def __init__(self, start):
                self.n = start
            def incr(self, k=1):
                self.n += k
                return self.n
        """
    var actorOptions = Options()
    actorOptions.name = "swift-example-counter"
    actorOptions.numCPUs = 0
    let counters = try ActorClass(source: counterClass, name: "Counter").withOptions(actorOptions)
    let counter = try client.createActor(counters, [10])
    _ = try client.call(counter, method: "incr")
    let n = try await client.get(client.call(counter, method: "incr", kwargs: ["k": 5]), as: Int.self)
    print("counter:", n, "- found by name:", try client.actor(named: "swift-example-counter") == counter)
    try client.kill(counter)

    // A remote exception arrives as RayError.taskError with the Python details.
    do {
        let fail = try RemoteFunction(source: "def fail():\n    raise ValueError('no good')\n", name: "fail")
        _ = try await client.get(client.call(fail))
    } catch let e as RayError {
        print("remote error: \(e.kind), cause \(e.causeType ?? "-"): \(e.message.split(separator: "\n").first ?? "")")
    }

    // KV and cluster resources.
    try client.kvPut(Data("swift-example/greeting".utf8), Data("hello".utf8))
    let greeting = try client.kvGet(Data("swift-example/greeting".utf8)).map { String(decoding: $0, as: UTF8.self) }
    print("kv:", greeting ?? "-")
    try client.kvDelete(Data("swift-example/".utf8), byPrefix: true)
    print("cluster CPUs:", try client.clusterResources()["CPU"] ?? 0)
    print("ok")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
