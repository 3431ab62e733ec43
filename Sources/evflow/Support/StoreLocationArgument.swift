import FlowEngine
import Foundation

/// A store named on the command line: a state folder path, or a database URL once this build has a store for it.
enum StoreLocationArgument {
    /// Schemes that name a database rather than a folder.
    static let databaseSchemes = ["postgres://", "postgresql://"]

    /// The location `text` names.
    /// - Throws: ``CommandFailure`` (usage) for an empty value or a database this build cannot open.
    static func location(_ text: String, option: String) throws -> StoreLocation {
        guard !text.isEmpty else { throw CommandFailure(.usage, "\(option) needs a state folder path or a postgres:// URL") }
        if databaseSchemes.contains(where: { text.lowercased().hasPrefix($0) }) {
            throw CommandFailure(.usage, "\(option): this evflow build has no PostgreSQL store; give a state folder path")
        }
        return .directory(URL(filePath: text))
    }
}
