// swift-tools-version:6.0
// An out-of-tree user of the Swift binding (tests/run-swift builds it both ways): a path
// dependency on bindings/swift, with libray_client from target/release (default) or from
// an installed prefix through pkg-config (RAY_CLIENT_USE_PKG_CONFIG=1, PKG_CONFIG_PATH).
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [.package(path: "../../../bindings/swift")],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [.product(name: "RayClient", package: "swift")])
    ]
)
