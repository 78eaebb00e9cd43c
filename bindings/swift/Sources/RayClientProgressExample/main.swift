// A large object to the cluster and back with progress bars: put(_:progress:) and
// get(_:timeout:progress:) report (bytes done, bytes total) from a thread of the
// library's, at most ten times a second, the last report before the call returns.
//
//   swift run ray-client-swift-progress [ray://host:port] [MiB, default 1024]
//   (default address: $RAY_ADDRESS)
import Foundation
import RayClient

let arguments = CommandLine.arguments.dropFirst()
let address = arguments.first ?? ProcessInfo.processInfo.environment["RAY_ADDRESS"] ?? ""
let mib = arguments.dropFirst().first.flatMap { Int($0) } ?? 1024

/// Draws `done` of `total` as a bar on one line of stderr.
func bar(_ what: String) -> @Sendable (UInt64, UInt64) -> Void {
    { done, total in
        let width: UInt64 = 40
        let filled = total > 0 ? Int(done * width / total) : 0
        let cells = String(repeating: "#", count: filled) + String(repeating: " ", count: Int(width) - filled)
        let of = total > 0 ? String(format: "%.1f", Double(total) / 1_048_576) : "?"
        var line = "\r\(what) [\(cells)] " + String(format: "%7.1f", Double(done) / 1_048_576) + " / \(of) MiB"
        if total > 0 && done == total { line += "\n" }
        FileHandle.standardError.write(Data(line.utf8))
    }
}

do {
    let client = try RayClient(address: address)
    let data = Data(repeating: 0x2a, count: mib << 20)
    let ref = try client.put(data, progress: bar("put"))
    let back = try await client.get(ref, progress: bar("get"))
    let same = try Data(rayValue: back) == data
    print("\(mib) MiB: \(same ? "the same bytes back" : "DIFFERENT bytes back")")
    exit(same ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
