// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "StyleFilter",
    products: [
        .library(name: "StyleFilter", type: .dynamic, targets: ["StyleFilter"]),
        .executable(name: "filterctl", targets: ["filterctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries through pkg-config, so a package that depends on this one by URL
        // gets the include paths too (unsafeFlags would be rejected there).
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .systemLibrary(name: "CLcms2", pkgConfig: "lcms2", providers: [.apt(["liblcms2-dev"])]),
        .target(name: "CShim", dependencies: ["CVips", "CLcms2"]),
        .target(name: "StyleFilter", dependencies: ["CShim"]),
        .executableTarget(
            name: "filterctl",
            dependencies: ["StyleFilter", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "StyleFilterTests", dependencies: ["StyleFilter", "CShim"]),
    ],
    swiftLanguageModes: [.v6]
)
