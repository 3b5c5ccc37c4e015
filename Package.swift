// swift-tools-version:6.0
import PackageDescription

/// Release builds skip the run-time exclusivity checks on class properties: with them, bookkeeping
/// (swift_beginAccess) cost about a sixth of a small training step (scripts/profile.sh). The engine's
/// accesses are checked in debug builds and by the test suite, which runs in both configurations.
let releaseSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "Swish",
    products: [
        // The Swift API: `import Swish`.
        .library(name: "Swish", targets: ["Swish"]),
        // The C API: libswish.so, declared by include/swish.h.
        .library(name: "swish", type: .dynamic, targets: ["SwishC"]),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // include/swish.h imported into Swift, so the shims use the header's own types (option structs)
        // instead of restating their layout.
        .systemLibrary(name: "CSwish"),
        // The engine: pure Swift, throws typed errors, never knows it is called from C.
        .target(name: "Swish", dependencies: ["COpenBLAS"], swiftSettings: releaseSettings),
        // The C ABI: @_cdecl shims that validate every argument and turn errors into statuses.
        .target(name: "SwishC", dependencies: ["Swish", "CSwish"], swiftSettings: releaseSettings),
        .testTarget(
            name: "SwishTests",
            dependencies: ["Swish"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
