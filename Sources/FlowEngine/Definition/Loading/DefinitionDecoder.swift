/// Turns a parsed JSON tree into a ``FlowDefinition``, collecting every problem instead of stopping at the first.
///
/// Decoding runs in passes: declarations (inputs, variables, signals), then step ids and kinds (so expressions can
/// refer to any step's outputs and transitions to any step), then the steps themselves, deadlines, and finally the
/// graph and capture-bound checks over the resolved steps.
final class DefinitionDecoder {
    let file: String
    private(set) var issues: [DefinitionIssue] = []
    /// Everything expressions in steps can see.
    var scope = TypeScope()
    /// Step id → kind name, from the first pass.
    var stepKinds: [String: String] = [:]
    /// Set when a transition or a step could not be resolved: graph checks would then report consequences
    /// (unreachable steps) of an error already reported, so they are skipped.
    var graphIncomplete = false
    /// JSON path → position of every expression field, for checks that run after decoding.
    var expressionPositions: [String: SourcePosition] = [:]

    init(file: String) {
        self.file = file
    }

    func report(_ path: String, _ position: SourcePosition, _ message: String, hint: String? = nil) {
        issues.append(DefinitionIssue(file: file, jsonPath: path, line: position.line, column: position.column, message: message, hint: hint))
    }

    /// The members of an object, reporting a non-object, unknown members (with a did-you-mean) and missing
    /// required members. Returns `nil` only when `node` is not an object.
    func members(_ node: JSONNode, _ path: String, allowed: [String], required: [String] = [], what: String) -> [String: JSONNode]? {
        guard case .object(let list) = node.kind else {
            report(path, node.position, "expected \(what) as an object, found \(node.typeName)")
            return nil
        }
        var result: [String: JSONNode] = [:]
        for member in list {
            if allowed.contains(member.key) {
                result[member.key] = member.value
            } else {
                let suggestion = Self.closest(to: member.key, in: allowed)
                report(
                    Self.path(path, member.key), member.keyPosition, "unknown field \"\(member.key)\" in \(what)",
                    hint: suggestion.map { "did you mean \"\($0)\"?" } ?? "allowed fields: \(allowed.joined(separator: ", "))")
            }
        }
        for name in required where result[name] == nil {
            report(path, node.position, "missing required field \"\(name)\" in \(what)")
        }
        return result
    }

    /// The ordered members of an object whose keys are names chosen by the author (inputs, variables, payloads).
    func namedMembers(_ node: JSONNode, _ path: String, what: String) -> [JSONNode.Member] {
        guard case .object(let list) = node.kind else {
            report(path, node.position, "expected \(what) as an object, found \(node.typeName)")
            return []
        }
        for member in list where !Self.isIdentifier(member.key) {
            report(Self.path(path, member.key), member.keyPosition, "\"\(member.key)\" is not a valid name",
                   hint: "names start with a letter and contain only letters, digits and _, so expressions can refer to them")
        }
        return list.filter { Self.isIdentifier($0.key) }
    }

    func string(_ node: JSONNode?, _ path: String) -> String? {
        guard let node else { return nil }
        guard case .string(let text) = node.kind else {
            report(path, node.position, "expected a string, found \(node.typeName)")
            return nil
        }
        return text
    }

    func integer(_ node: JSONNode?, _ path: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) -> Int64? {
        guard let node else { return nil }
        guard case .number(let text) = node.kind, let value = Int64(text) else {
            report(path, node.position, "expected an integer, found \(node.typeName == "a number" ? "a non-integer or too large number" : node.typeName)")
            return nil
        }
        guard range.contains(value) else {
            report(path, node.position, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    func bool(_ node: JSONNode?, _ path: String) -> Bool? {
        guard let node else { return nil }
        guard case .bool(let value) = node.kind else {
            report(path, node.position, "expected true or false, found \(node.typeName)")
            return nil
        }
        return value
    }

    /// A fixed duration written as a string such as `"5s"` or `"1h30m"`.
    func duration(_ node: JSONNode?, _ path: String) -> FlowDuration? {
        guard let text = string(node, path), let node else { return nil }
        guard let duration = FlowDuration(parsing: text) else {
            report(path, node.position, "bad duration \"\(text)\"", hint: "whole numbers with units in decreasing order: 250ms, 5s, 10m, 12h, 1d, 1h30m")
            return nil
        }
        return duration
    }

    /// A transition target: must name an existing step.
    func transition(_ node: JSONNode?, _ path: String) -> String? {
        guard let target = string(node, path), let node else { return nil }
        guard stepKinds[target] != nil else {
            graphIncomplete = true
            let suggestion = Self.closest(to: target, in: Array(stepKinds.keys))
            report(path, node.position, "transition to unknown step \"\(target)\"",
                   hint: suggestion.map { "did you mean \"\($0)\"?" } ?? "step ids: \(stepKinds.keys.sorted().joined(separator: ", "))")
            return nil
        }
        return target
    }

    /// A JSON path for member `key` of the value at `path`.
    static func path(_ path: String, _ key: String) -> String {
        isIdentifier(key) ? "\(path).\(key)" : "\(path)[\"\(key)\"]"
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The candidate within edit distance 2 (or 1/3 of the word), for did-you-mean hints.
    ///
    /// Candidates whose length alone puts them beyond the limit are skipped, and so are words longer than
    /// ``longestSuggestedWord``: the distance costs length × length, and a 700 KB step name in a damaged file
    /// must not turn `evflow validate` into minutes of work for a hint nobody needs.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let length = word.count
        guard length <= longestSuggestedWord else { return nil }
        let limit = max(2, length / 3)
        return candidates.filter { abs($0.count - length) <= limit }
            .map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
            .filter { $0.1 <= limit }.min { $0.1 < $1.1 }?.0
    }

    static let longestSuggestedWord = 256

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
