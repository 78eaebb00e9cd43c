// Connects to the cluster given as the argument, round-trips a value, runs a task.
import Foundation
import RayClient

do {
    let client = try RayClient(address: CommandLine.arguments[1])
    let r = try client.put(["consumer": [1.5, 2.5] as [Double]])
    let back = try await client.get(r, as: [String: [Double]].self)
    let total = try RemoteFunction(source: "def f(xs):\n    return float(sum(xs))\n", name: "f")
    let sum = try await client.get(client.call(total, [back["consumer"]!]), as: Double.self)
    guard sum == 4.0 else { throw RayError.invalidArgument(.init(code: -1, kind: "test", message: "sum \(sum)")) }
    print("consumer ok (libray_client \(RayClient.libraryVersion))")
} catch {
    print("consumer failed: \(error)")
    exit(1)
}
