import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh state directory per test, removed afterwards (sample instances: ``InstanceSamples``).
enum StoreFixtures {
    /// Runs `body` with a store on a new temporary state directory (`<temp>/state`), then deletes it.
    static func withStore<T>(
        faults: DurableFile.Faults? = nil,
        limits: StateFileLimits = .standard,
        _ body: (FileInstanceStore, StateLayout) async throws -> T
    ) async throws -> T {
        let base = try TemporaryFolder.make("evflow-store-tests")
        defer { TemporaryFolder.remove(base) }  // undoing any permission a test removed
        let store = try FileInstanceStore(stateDirectory: base.appendingPathComponent("state"), faults: faults, limits: limits)
        return try await body(store, store.layout)
    }

    /// The permission bits of a file or directory.
    static func mode(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        var status = stat()
        try #require(stat(path, &status) == 0, "stat \(path)", sourceLocation: sourceLocation)
        return Int(status.st_mode & 0o777)
    }

    static func bytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(filePath: path))
    }

    /// The entries of a directory, sorted.
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}
