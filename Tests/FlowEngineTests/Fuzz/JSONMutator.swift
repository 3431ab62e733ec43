import Foundation

@testable import FlowEngine

/// Structured mutations of a JSON document: every path in it, a value replaced at a path, and the document
/// written back as indented text (so issues land on many different lines). Raw text that is no JSON value on
/// its own terms (100,000 levels of nesting, numbers beyond any type) is spliced in through a placeholder.
struct JSONMutator {
    enum Step: Hashable {
        case key(String)
        case index(Int)
    }

    typealias Path = [Step]

    let root: JSONNode

    init(text: String) throws {
        root = try JSONParser.parse(text)
    }

    /// Every value's path, the root first, in document order.
    var paths: [Path] {
        var result: [Path] = []
        func visit(_ node: JSONNode, _ path: Path) {
            result.append(path)
            switch node.kind {
            case .object(let members): for member in members { visit(member.value, path + [.key(member.key)]) }
            case .array(let elements): for (index, element) in elements.enumerated() { visit(element, path + [.index(index)]) }
            default: break
            }
        }
        visit(root, [])
        return result
    }

    func node(at path: Path) -> JSONNode? {
        var node = root
        for step in path {
            switch (step, node.kind) {
            case (.key(let key), .object): guard let next = node[key] else { return nil }; node = next
            case (.index(let index), .array(let elements)): guard elements.indices.contains(index) else { return nil }; node = elements[index]
            default: return nil
            }
        }
        return node
    }

    /// The document with the value at `path` replaced by `raw` text, written out indented.
    func text(replacing path: Path, with raw: String) -> String {
        let marker = "\u{0}fuzz-raw"
        let replaced = Self.replace(root, path[...], with: JSONNode(kind: .string(marker), position: SourcePosition(line: 1, column: 1)))
        var out = ""
        Self.write(replaced, indent: 0, to: &out)
        return out.replacingOccurrences(of: Self.quoted(marker), with: raw)
    }

    /// The document written out again, unchanged in content.
    var text: String { Self.text(of: root) }

    /// `node` written out indented, as JSON text.
    static func text(of node: JSONNode) -> String {
        var out = ""
        write(node, indent: 0, to: &out)
        return out
    }

    static func describe(_ path: Path) -> String {
        "$" + path.map { step in
            switch step {
            case .key(let key): ".\(key)"
            case .index(let index): "[\(index)]"
            }
        }.joined()
    }

    private static func replace(_ node: JSONNode, _ path: ArraySlice<Step>, with replacement: JSONNode) -> JSONNode {
        guard let first = path.first else { return replacement }
        var node = node
        switch (first, node.kind) {
        case (.key(let key), .object(var members)):
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = replace(members[index].value, path.dropFirst(), with: replacement)
            }
            node.kind = .object(members)
        case (.index(let index), .array(var elements)):
            elements[index] = replace(elements[index], path.dropFirst(), with: replacement)
            node.kind = .array(elements)
        default: break
        }
        return node
    }

    private static func write(_ node: JSONNode, indent: Int, to out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch node.kind {
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += pad + quoted(member.key) + ": "
                write(member.value, indent: indent + 1, to: &out)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += closing + "}"
        case .array(let elements):
            guard !elements.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += pad
                write(element, indent: indent + 1, to: &out)
                out += index == elements.count - 1 ? "\n" : ",\n"
            }
            out += closing + "]"
        case .string(let text): out += quoted(text)
        case .number(let text): out += text
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        }
    }

    static func quoted(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
