// swift-tools-version:6.2
import PackageDescription

/// One settings array for every target: Swift 6 language mode (strict concurrency) and the upcoming
/// features the model codebases use.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "evflow",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CurlHTTP", targets: ["CurlHTTP"]),
        .library(name: "EPayment", targets: ["EPayment"]),
        .library(name: "EPaymentSimulator", targets: ["EPaymentSimulator"]),
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
        .library(name: "FlowTesting", targets: ["FlowTesting"]),
        .executable(name: "evflow", targets: ["evflow"]),
        .executable(name: "epayment-sim", targets: ["epayment-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
    ],
    targets: [
        // libcurl through pkg-config, with a header of typed, non-variadic wrappers. Nothing else imports curl.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "CurlHTTP",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EPayment",
            dependencies: [
                "CurlHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EPaymentSimulator",
            dependencies: [
                "EPayment",
                "CurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "epayment-sim",
            dependencies: [
                "EPaymentSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowEngine",
            dependencies: [
                "EPayment",
                "CurlHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowTesting",
            dependencies: [
                "FlowEngine",
                "EPaymentSimulator",
                "EPayment",
                "CurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The InstanceStore for many workers on several hosts sharing one PostgreSQL database (`--store postgres://…`).
        // A target of its own so that FlowEngine, EvflowServer and embedders of the file store never link postgres-nio.
        .target(
            name: "PostgresStore",
            dependencies: [
                "FlowEngine",
                "EPayment",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // `evflow serve`: the HTTP API, webhook receiver, metrics and worker, as a library so tests can run it.
        .target(
            name: "EvflowServer",
            dependencies: [
                "FlowEngine",
                "EPayment",
                "CurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "evflow",
            dependencies: [
                "FlowEngine",
                "EvflowServer",
                "PostgresStore",
                "FlowTesting",
                "EPaymentSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the test targets share instead of copies: one child-process runner, one loopback HTTP stub, the
        // built products' paths, temporary folders, condition waits, the shipped flows made fast, and the contract
        // every InstanceStore keeps (InstanceStoreConformance). A plain library target, not a product: only test
        // targets depend on it, so nothing outside the package sees it; it lives under Tests/ because it is test code.
        .target(
            name: "EvflowTestSupport",
            dependencies: [
                "FlowEngine",
                "EPaymentSimulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/EvflowTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: [
                "EvflowTestSupport",
                "CurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EPaymentTests",
            dependencies: [
                "EvflowTestSupport",
                "EPayment",
                "CurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EPaymentSimulatorTests",
            dependencies: [
                "EvflowTestSupport",
                "EPaymentSimulator",
                "EPayment",
                "CurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowEngineTests",
            dependencies: [
                "EvflowTestSupport",
                "FlowEngine",
                "FlowTesting",
                "EPaymentSimulator",
            ],
            // State files and definitions the tests read by path (relative to #filePath), not bundled resources.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        // Runs the built `evflow` binary against a simulator in the test process.
        .testTarget(
            name: "EvflowCLITests",
            dependencies: [
                "EvflowTestSupport",
                // The executable's module, for parsing its commands in-process (`@testable import evflow`).
                "evflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "FlowEngine",
                // The database options the commands read from the environment.
                "PostgresStore",
                "FlowTesting",
                "EPaymentSimulator",
                "EPayment",
                "CurlHTTP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store against a real cluster (EVFLOW_TEST_POSTGRES_URL; `make test` starts a throwaway one):
        // the store conformance suite, leases and fencing, the engine's crash tests, database faults.
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "EvflowTestSupport",
                "PostgresStore",
                "FlowEngine",
                "FlowTesting",
                "EPaymentSimulator",
                "EPayment",
                "CurlHTTP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `evflow serve` over real sockets against the simulator: sessions driven over HTTP, webhooks, restarts.
        .testTarget(
            name: "EvflowServeTests",
            dependencies: [
                "EvflowTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                "EvflowServer",
                "FlowEngine",
                "PostgresStore",
                "FlowTesting",
                "EPaymentSimulator",
                "EPayment",
                "CurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
