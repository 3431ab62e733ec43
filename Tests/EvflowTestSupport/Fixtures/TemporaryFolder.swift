import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fresh folders under the system's temporary directory, one per test, removed afterwards.
package enum TemporaryFolder {
    /// Creates `<tmp>/<prefix>-<uuid>`; the caller removes it (see ``remove(_:)``).
    package static func make(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs `body` with a new folder and removes it afterwards, whatever `body` did to the permissions inside.
    package static func with<Result>(_ prefix: String, _ body: (URL) async throws -> Result) async throws -> Result {
        let folder = try make(prefix)
        defer { remove(folder) }
        return try await body(folder)
    }

    /// Runs `body` with a new folder and removes it afterwards (the synchronous form).
    package static func with<Result>(_ prefix: String, _ body: (URL) throws -> Result) throws -> Result {
        let folder = try make(prefix)
        defer { remove(folder) }
        return try body(folder)
    }

    /// Removes `folder`, first giving back the owner's permissions a test may have taken away (a 0000 file or
    /// folder), so the cleanup itself cannot fail.
    package static func remove(_ folder: URL) {
        if let entries = try? FileManager.default.subpathsOfDirectory(atPath: folder.path) {
            chmod(folder.path, 0o700)
            for entry in entries { chmod(folder.path + "/" + entry, 0o700) }
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
