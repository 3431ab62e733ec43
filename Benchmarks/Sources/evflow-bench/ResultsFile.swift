import Foundation

/// `results/latest.json`: every suite merges its keys into the one file, keeping the keys other suites wrote.
enum ResultsFile {
    /// Merges `figures` into the JSON object at `path` (created when missing); refuses to overwrite a file that
    /// does not hold a JSON object.
    static func merge(_ figures: [String: Any], into path: String) throws {
        let url = URL(fileURLWithPath: path)
        var object: [String: Any] = [:]
        if let data = try? Data(contentsOf: url), !data.isEmpty {
            guard let existing = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw BenchError("\(path) does not hold a JSON object; not overwriting it")
            }
            object = existing
        }
        object.merge(figures) { _, new in new }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(UInt8(ascii: "\n"))
        try data.write(to: url, options: .atomic)
    }

    /// The JSON object at `path`, or an empty one when there is no file yet.
    static func read(_ path: String) throws -> [String: Any] {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)), !data.isEmpty else { return [:] }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
