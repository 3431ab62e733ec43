import Foundation

/// The checked-out repository the tests run from: the shipped flows, scripts and `.build` folder live under it.
package enum Repository {
    /// The folder holding this package's `Package.swift`, found by walking up from this file (so moving a test
    /// file into a subfolder never breaks a count of `deletingLastPathComponent()` calls).
    package static let root: URL = {
        var folder = URL(filePath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appending(path: "Package.swift").path),
               FileManager.default.fileExists(atPath: folder.appending(path: "Sources").path) {
                return folder
            }
            folder.deleteLastPathComponent()
        }
        preconditionFailure("no Package.swift above \(#filePath)")
    }()

    /// A file or folder of the repository, for example `flows/ev-charging.json` or `scripts/check-flow-schema.py`.
    package static func path(_ relative: String) -> URL { root.appending(path: relative) }

    /// The shipped flows folder.
    package static var flows: URL { path("flows") }
}
