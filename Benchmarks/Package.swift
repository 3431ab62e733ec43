// swift-tools-version:6.2
import PackageDescription

/// The same settings the root package applies to every target.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Benchmarks live in their own package so the main build does not pay for AsyncHTTPClient and its
/// dependencies. Build with `swift build -c release --package-path Benchmarks`.
let package = Package(
    name: "evflow-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, so the products resolve whatever the checkout folder is called (its identity would be the folder name).
        .package(name: "evflow", path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        // The `pg` suite's floor talks to PostgreSQL directly (the root package already resolves it).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        // Runs the HTTP client comparison: spawns `bench-server`, drives both clients against it, writes
        // results/latest.json.
        .executableTarget(
            name: "evflow-bench",
            dependencies: [
                .product(name: "CurlHTTP", package: "evflow"),
                .product(name: "EPayment", package: "evflow"),
                .product(name: "FlowEngine", package: "evflow"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A minimal keep-alive HTTP/1.1 server on plain SwiftNIO, run as its own process so that it does not
        // share the client's cooperative thread pool.
        .executableTarget(
            name: "bench-server",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
