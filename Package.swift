// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "CasePulse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "casepulsed", targets: ["casepulsed"]),
        .executable(name: "casepulse", targets: ["casepulse"]),
        .library(name: "CasePulseCore", targets: ["CasePulseCore"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
    ],
    targets: [
        // System libraries and C shims.
        // libzmq's pkg-config file adds `-isystem` flags (Kerberos) that SwiftPM refuses with a
        // warning on every build; <zmq.h> is on the default include path and the module map links
        // `zmq` itself, so pkg-config is not consulted.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        // <malloc.h> (glibc's malloc_trim), which Swift's Glibc module does not include.
        .systemLibrary(name: "CMalloc"),
        // Cache-line prefetch hints (__builtin_prefetch) for the engine's key and beneficiary look-ups.
        .systemLibrary(name: "CPrefetch"),
        .target(
            name: "CEventParser",
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        .target(name: "CCRC32C"),

        // Libraries.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], swiftSettings: strict),
        .target(name: "CasePulseCore", dependencies: ["CPrefetch"], swiftSettings: strict),
        .target(name: "CasePulseWire", dependencies: ["CasePulseCore", "CEventParser"], swiftSettings: strict),
        .target(
            name: "CasePulseStore",
            dependencies: [
                "CasePulseCore", "CasePulseWire", "CCRC32C",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CasePulseServer",
            dependencies: [
                "CasePulseCore", "CasePulseWire", "CasePulseStore", "ZeroMQ", "CMalloc", "CPrefetch",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CasePulseClient",
            dependencies: ["CasePulseCore", "CasePulseWire", "ZeroMQ"],
            swiftSettings: strict
        ),
        .target(
            name: "CasePulseLifecycle",
            dependencies: [
                "CasePulseServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CasePulseSecurity",
            dependencies: [
                "CasePulseServer", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CasePulseBench",
            dependencies: [
                "CasePulseCore", "CasePulseWire", "CasePulseStore", "ZeroMQ", "CZeroMQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CasePulseTestKit",
            dependencies: ["CasePulseCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        // Executables: thin wiring over the libraries.
        .executableTarget(
            name: "casepulsed",
            dependencies: [
                "CasePulseCore", "CasePulseServer", "CasePulseLifecycle", "CasePulseSecurity", "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "casepulse",
            dependencies: [
                "CasePulseClient", "CasePulseCore", "CasePulseStore", "CasePulseBench", "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // Tests.
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "CasePulseTestKit"], swiftSettings: strict),
        .testTarget(
            name: "CasePulseBenchTests",
            dependencies: ["CasePulseBench", "CasePulseWire", "CasePulseCore", "CasePulseTestKit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CasePulseStoreTests",
            dependencies: [
                "CasePulseStore", "CasePulseCore", "CasePulseTestKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CasePulseCoreTests",
            dependencies: [
                "CasePulseCore", "CasePulseTestKit",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CasePulseWireTests",
            dependencies: ["CasePulseWire", "CasePulseCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CasePulseLifecycleTests",
            dependencies: [
                "CasePulseLifecycle", "CasePulseServer", "CasePulseClient", "CasePulseTestKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CasePulseSecurityTests",
            dependencies: [
                "CasePulseSecurity", "CasePulseServer", "CasePulseTestKit", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CasePulseIntegrationTests",
            dependencies: [
                "CasePulseTestKit", "CasePulseClient", "CasePulseCore", "ZeroMQ",
                "CasePulseSecurity", "CasePulseServer",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ],
    cxxLanguageStandard: .cxx17
)
