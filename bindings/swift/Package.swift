// swift-tools-version:6.0
// The Swift binding of libray_client: a C module over include/ray_client.h (CRayClient) and
// an idiomatic Swift layer over it (RayClient). See README.md.
//
// Two ways to find the C library:
// - default inside this repository: the header is include/ray_client.h (linked into
//   Sources/CRayClient/include), the library is libray_client.so in
//   $RAY_CLIENT_LIB_DIR, or else <repo>/target/release (`cargo build --release --features c-api`); the
//   executables get an rpath to that directory.
// - the installed library: header and library of an installed libray_client (the release
//   tarball or .deb, or `cmake --install`), found with `pkg-config ray_client`
//   (PKG_CONFIG_PATH), or without pkg-config in the compiler's and linker's default
//   directories (/usr, /usr/local). No rpath: install into a directory the dynamic loader
//   searches, or set LD_LIBRARY_PATH. This is the default of the released package
//   (dist/build leaves out Sources/CRayClient, whose header link points into the
//   repository); in the repository, RAY_CLIENT_USE_PKG_CONFIG=1 chooses it.
import Foundation
import PackageDescription

let env = ProcessInfo.processInfo.environment
let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let inRepository = FileManager.default.fileExists(
    atPath: packageDir.appendingPathComponent("Sources/CRayClient/include/ray_client.h").path)
let usePkgConfig = env["RAY_CLIENT_USE_PKG_CONFIG"] == "1" || !inRepository

let cModule: Target
if usePkgConfig {
    cModule = .systemLibrary(
        name: "CRayClient", path: "Sources/CRayClientSystem", pkgConfig: "ray_client")
} else {
    let libDir = env["RAY_CLIENT_LIB_DIR"]
        ?? packageDir.appendingPathComponent("../../target/release").standardized.path
    cModule = .target(
        name: "CRayClient", path: "Sources/CRayClient",
        linkerSettings: [
            .linkedLibrary("ray_client"),
            .unsafeFlags(["-L\(libDir)", "-Xlinker", "-rpath", "-Xlinker", libDir]),
        ])
}

let package = Package(
    name: "RayClient",
    products: [
        .library(name: "RayClient", targets: ["RayClient"]),
        .executable(name: "ray-client-swift-example", targets: ["RayClientExample"]),
        .executable(name: "ray-client-swift-progress", targets: ["RayClientProgressExample"]),
    ],
    targets: [
        cModule,
        .target(name: "RayClient", dependencies: ["CRayClient"]),
        .executableTarget(name: "RayClientExample", dependencies: ["RayClient"]),
        .executableTarget(name: "RayClientProgressExample", dependencies: ["RayClient"]),
        .testTarget(name: "RayClientTests", dependencies: ["RayClient"]),
    ]
)
