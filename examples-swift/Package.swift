// swift-tools-version:6.0
// A separate package that uses Swish the way an application would: as a dependency, by path.
import PackageDescription

let package = Package(
    name: "SwishExamples",
    dependencies: [
        .package(name: "Swish", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "TrainMLP",
            dependencies: [.product(name: "Swish", package: "Swish")]
        ),
    ]
)
