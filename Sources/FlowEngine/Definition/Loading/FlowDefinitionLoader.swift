import Foundation

/// Loads flow definitions from JSON files, validating everything before any instance can run them.
///
/// ```swift
/// let loader = FlowDefinitionLoader()
/// do {
///     let flows = try loader.load(directory: URL(filePath: "flows"))
/// } catch let error as DefinitionValidationError {
///     print(error)  // every problem: file:line:column: $.steps[3].amount: what is wrong (hint: ...)
/// }
/// ```
public struct FlowDefinitionLoader: Sendable {
    /// Creates a loader.
    public init() {}

    /// Loads and validates one definition file.
    ///
    /// - Throws: ``DefinitionValidationError`` with every problem found (including an unreadable file or invalid
    ///   JSON, reported with its position).
    public func load(fileAt url: URL) throws(DefinitionValidationError) -> FlowDefinition {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw DefinitionValidationError(issues: [
                DefinitionIssue(file: url.path, jsonPath: "$", line: 1, column: 1, message: "cannot read the file: \(error.localizedDescription)")
            ])
        }
        let text: String
        do {
            text = try SourceText.decode(bytes)
        } catch {
            throw DefinitionValidationError(issues: [
                DefinitionIssue(file: url.path, jsonPath: "$", line: error.position.line, column: error.position.column,
                                message: "invalid UTF-8 at byte offset \(error.offset): a definition must be UTF-8 text",
                                hint: "save the file as UTF-8 (without a legacy encoding such as Latin-1)")
            ])
        }
        return try load(text: text, file: url.path)
    }

    /// Loads and validates a definition from its text; `file` names it in issues.
    public func load(text: String, file: String) throws(DefinitionValidationError) -> FlowDefinition {
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw DefinitionValidationError(issues: [
                DefinitionIssue(file: file, jsonPath: error.jsonPath, line: error.position.line, column: error.position.column, message: "invalid JSON: \(error.message)")
            ])
        }
        let decoder = DefinitionDecoder(file: file)
        guard let definition = decoder.decode(root, canonicalBytes: root.canonicalBytes) else {
            throw DefinitionValidationError(issues: decoder.issues)
        }
        return definition
    }

    /// Loads every `*.json` file in `directory` except `schema.json`, sorted by file name.
    ///
    /// - Returns: the definitions, keyed by flow name.
    /// - Throws: ``DefinitionValidationError`` with the problems of every file, plus duplicate flow names.
    public func load(directory: URL) throws(DefinitionValidationError) -> [String: FlowDefinition] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw DefinitionValidationError(issues: [
                DefinitionIssue(file: directory.path, jsonPath: "$", line: 1, column: 1, message: "cannot list the flows folder: \(error.localizedDescription)")
            ])
        }
        var issues: [DefinitionIssue] = []
        var definitions: [String: FlowDefinition] = [:]
        for name in names.sorted() where name.hasSuffix(".json") && name != "schema.json" {
            do {
                let definition = try load(fileAt: directory.appendingPathComponent(name))
                if let other = definitions[definition.name] {
                    issues.append(DefinitionIssue(
                        file: definition.file, jsonPath: "$.name", line: 1, column: 1,
                        message: "flow name \"\(definition.name)\" is also used by \(other.file)", hint: "flow names must be unique in a folder"))
                } else {
                    definitions[definition.name] = definition
                }
            } catch {
                issues.append(contentsOf: error.issues)
            }
        }
        if !issues.isEmpty { throw DefinitionValidationError(issues: issues) }
        return definitions
    }
}
