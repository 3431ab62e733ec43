import Foundation

/// A JSON argument given inline (`'{"energyWh": 5200}'`) or as `@file` (`@session.json`, `@-` for stdin).
struct JSONArgument {
    let text: String

    /// The JSON bytes: the argument itself, or the named file's contents.
    /// - Parameter option: the option's name, for errors.
    func data(option: String) throws -> Data {
        guard text.hasPrefix("@") else { return Data(text.utf8) }
        let path = String(text.dropFirst())
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(.usage, "\(option) @\(path): cannot read the file")
        }
        return data
    }
}
