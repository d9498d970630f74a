// swift-tools-version:5.9
//
// The Swift package of the qiscus client: the module `Qiscus`, compiled from the two files
// uniffi-bindgen writes (Sources/Qiscus/Generated, by generate.sh) over the Rust library
// libqiscus_ffi.so, which is linked from the cargo target directory (and found there at run
// time through an rpath). Run ./generate.sh first; ./test.sh does everything.
//
// The library directory: QISCUS_FFI_LIB_DIR, else $CARGO_TARGET_DIR/release, else
// <repo>/target/release.
import Foundation
import PackageDescription

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let env = ProcessInfo.processInfo.environment
let libDir: String = {
    if let dir = env["QISCUS_FFI_LIB_DIR"], !dir.isEmpty { return dir }
    if let target = env["CARGO_TARGET_DIR"], !target.isEmpty {
        return URL(fileURLWithPath: target, relativeTo: here.appendingPathComponent("../..")).appendingPathComponent("release").standardizedFileURL.path
    }
    return here.appendingPathComponent("../../target/release").standardizedFileURL.path
}()
let linkFlags: [LinkerSetting] = [.unsafeFlags(["-L", libDir, "-Xlinker", "-rpath", "-Xlinker", libDir])]
// The library and the examples are checked for data races as in Swift 6 (complete Sendable
// checking; with test.sh's -warnings-as-errors a diagnostic fails the build). The whole package
// also builds with `-Xswiftc -swift-version -Xswiftc 6`.
let strictConcurrency: [SwiftSetting] = [.enableExperimentalFeature("StrictConcurrency")]

let package = Package(
    name: "Qiscus",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Qiscus", targets: ["Qiscus"]),
        .executable(name: "QiscusQuickstart", targets: ["QiscusQuickstart"]),
        .executable(name: "QiscusPaging", targets: ["QiscusPaging"]),
        .executable(name: "QiscusBackup", targets: ["QiscusBackup"]),
    ],
    targets: [
        // The C declarations of the two UniFFI namespaces; both live in libqiscus_ffi.so, which
        // only qiscusFFI's module map links.
        .systemLibrary(name: "qiscusFFI", path: "Sources/qiscusFFI"),
        .systemLibrary(name: "qiscus_coreFFI", path: "Sources/qiscus_coreFFI"),
        .target(
            name: "Qiscus",
            dependencies: ["qiscusFFI", "qiscus_coreFFI"],
            path: "Sources/Qiscus",
            swiftSettings: strictConcurrency,
            linkerSettings: linkFlags
        ),
        // examples/swift/{Quickstart,Paging,Backup}.swift, each through a symbolic link
        // (SwiftPM refuses target paths outside the package directory).
        .executableTarget(
            name: "QiscusQuickstart",
            dependencies: ["Qiscus"],
            path: "Sources/QiscusQuickstart",
            swiftSettings: strictConcurrency,
            linkerSettings: linkFlags
        ),
        .executableTarget(
            name: "QiscusPaging",
            dependencies: ["Qiscus"],
            path: "Sources/QiscusPaging",
            swiftSettings: strictConcurrency,
            linkerSettings: linkFlags
        ),
        .executableTarget(
            name: "QiscusBackup",
            dependencies: ["Qiscus"],
            path: "Sources/QiscusBackup",
            swiftSettings: strictConcurrency,
            linkerSettings: linkFlags
        ),
        .testTarget(
            name: "QiscusTests",
            dependencies: ["Qiscus"],
            path: "Tests/QiscusTests",
            linkerSettings: linkFlags
        ),
    ]
)
