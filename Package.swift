// swift-tools-version:6.0
import PackageDescription

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
        // C helpers the engine cannot write in Swift (vector square roots, the small-product kernel, the
        // per-thread slots): inline in include/shims.h, but for the slots' definition in shims.c.
        .target(name: "_SwishShims"),
        // The engine: pure Swift, throws typed errors, never knows it is called from C.
        .target(name: "Swish", dependencies: ["COpenBLAS", "_SwishShims"]),
        // The C ABI: @_cdecl shims that validate every argument and turn errors into statuses.
        // libswish.so is linked with lld, a SONAME that names the ABI (libswish.so.MAJOR.MINOR while the
        // major version is 0: any 0.x release may change it; CMakeLists.txt checks it against the project
        // version) and a version script that exports only the swish_ functions: the engine's Swift
        // symbols stay inside the library (lld, unlike gold, also leaves no local symbols in .dynsym).
        // SwiftPM accepts unsafe flags from root and path dependencies and refuses a version-based
        // dependency on a product whose targets have them; C users get libswish.so from `cmake --install`.
        .target(
            name: "SwishC",
            dependencies: ["Swish", "CSwish", "_SwishShims"],
            exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags([
                    "-use-ld=lld",
                    "-Xlinker", "-soname=libswish.so.0.1",
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/SwishC/exports.map",
                ]),
            ]
        ),
        .testTarget(
            name: "SwishTests",
            dependencies: ["Swish"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
