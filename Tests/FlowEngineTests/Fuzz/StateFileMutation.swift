import Foundation

/// Ways to damage a state file made by a real run, for ``StateFileFuzzTests``: each yields the bytes to put in
/// the file's place (or a directory or a symlink instead of a file).
struct StateFileMutation: CustomStringConvertible {
    enum Placement {
        /// A regular file with these bytes.
        case file([UInt8])
        /// A directory where the file belongs.
        case directory
        /// A symlink to a file outside the state folder holding these bytes.
        case symlink([UInt8])
        /// A symlink to nowhere.
        case danglingSymlink
    }

    var kind: String
    var detail: String
    var placement: Placement

    var description: String { "\(kind): \(detail)" }

    static let kinds = ["truncated", "wrong type", "huge value", "deep nesting", "random bytes", "empty", "directory", "symlink"]

    /// A random mutation of `valid` (a state file's JSON text) of the given kind.
    static func make(_ kind: String, from valid: String, using random: inout FuzzRandom) throws -> StateFileMutation {
        let bytes = Array(valid.utf8)
        let mutator = try JSONMutator(text: valid)
        let paths = mutator.paths
        switch kind {
        case "truncated":
            let offset = Int.random(in: 0..<bytes.count, using: &random)
            return StateFileMutation(kind: kind, detail: "cut at byte \(offset) of \(bytes.count)", placement: .file(Array(bytes[..<offset])))
        case "wrong type":
            let path = paths.dropFirst().randomElement(using: &random) ?? []
            let value = DefinitionFuzzTests.otherTypes.randomElement(using: &random)!
            return StateFileMutation(kind: kind, detail: "\(JSONMutator.describe(path)) = \(value.name)",
                                     placement: .file(Array(mutator.text(replacing: path, with: value.text).utf8)))
        case "huge value":
            let path = paths.dropFirst().randomElement(using: &random) ?? []
            let value = (DefinitionFuzzTests.hugeValues + moneyExtremes).randomElement(using: &random)!
            return StateFileMutation(kind: kind, detail: "\(JSONMutator.describe(path)) = \(value.name)",
                                     placement: .file(Array(mutator.text(replacing: path, with: value.text).utf8)))
        case "deep nesting":
            let path = paths.randomElement(using: &random)!
            let depth = [10, 1_000, 100_000].randomElement(using: &random)!
            let object = Bool.random(using: &random)
            return StateFileMutation(kind: kind, detail: "\(depth) levels of \(object ? "objects" : "arrays") at \(JSONMutator.describe(path))",
                                     placement: .file(Array(mutator.text(replacing: path, with: DefinitionFuzzTests.nested(depth, object: object)).utf8)))
        case "random bytes":
            var damaged = bytes
            var edits: [String] = []
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let offset = Int.random(in: 0..<damaged.count, using: &random)
                let byte = UInt8.random(in: 0...255, using: &random)
                if Bool.random(using: &random) { damaged[offset] = byte; edits.append("set \(byte)@\(offset)") } else { damaged.insert(byte, at: offset); edits.append("insert \(byte)@\(offset)") }
            }
            if Int.random(in: 0..<8, using: &random) == 0 {
                damaged = (0..<Int.random(in: 1...4096, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                edits = ["\(damaged.count) random bytes"]
            }
            return StateFileMutation(kind: kind, detail: edits.joined(separator: ", "), placement: .file(damaged))
        case "empty":
            return StateFileMutation(kind: kind, detail: "0 bytes", placement: .file([]))
        case "directory":
            return StateFileMutation(kind: kind, detail: "a directory in place of the file", placement: .directory)
        default:
            switch Int.random(in: 0..<3, using: &random) {
            case 0: return StateFileMutation(kind: kind, detail: "symlink to a valid copy outside the folder", placement: .symlink(bytes))
            case 1: return StateFileMutation(kind: kind, detail: "symlink to a truncated copy", placement: .symlink(Array(bytes.prefix(bytes.count / 3))))
            default: return StateFileMutation(kind: kind, detail: "dangling symlink", placement: .danglingSymlink)
            }
        }
    }

    /// Amounts at the edges of Int64, for the money fields of a payment summary.
    static let moneyExtremes: [(name: String, text: String)] = [
        ("Int64.max", "9223372036854775807"), ("Int64.min", "-9223372036854775808"), ("-1", "-1"),
    ]
}
