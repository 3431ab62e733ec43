import FlowEngine

/// Typed reads of JSON nodes that report what is wrong and where, instead of throwing.
extension ScenarioDecoder {
    func members(_ node: JSONNode, _ path: String, allowed: [String], required: [String] = [], what: String) -> [String: JSONNode]? {
        guard case .object(let members) = node.kind else {
            report(path, node, "expected \(what) (an object), found \(node.typeName)")
            return nil
        }
        var fields: [String: JSONNode] = [:]
        for member in members {
            let memberPath = path == "$" ? "$.\(member.key)" : "\(path).\(member.key)"
            if fields[member.key] != nil {
                report(memberPath, member.value, "duplicate key \"\(member.key)\"")
            } else if !allowed.contains(member.key) {
                report(memberPath, member.value, "unknown field \"\(member.key)\" in \(what)",
                       hint: closest(member.key, in: allowed).map { "did you mean \"\($0)\"?" } ?? "allowed: \(allowed.joined(separator: ", "))")
            } else {
                fields[member.key] = member.value
            }
        }
        for name in required where fields[name] == nil {
            report(path, node, "\(what) needs \"\(name)\"")
        }
        return fields
    }

    func string(_ node: JSONNode?, _ path: String) -> String? {
        guard let node else { return nil }
        guard case .string(let text) = node.kind else {
            report(path, node, "expected a string, found \(node.typeName)")
            return nil
        }
        return text
    }

    func integer(_ node: JSONNode?, _ path: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) -> Int64? {
        guard let node else { return nil }
        guard case .number(let text) = node.kind, let value = Int64(text) else {
            report(path, node, "expected a whole number, found \(node.typeName)\(node.kind.numberText.map { " \($0)" } ?? "")")
            return nil
        }
        guard range.contains(value) else {
            report(path, node, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    func bool(_ node: JSONNode?, _ path: String) -> Bool? {
        guard let node else { return nil }
        guard case .bool(let value) = node.kind else {
            report(path, node, "expected true or false, found \(node.typeName)")
            return nil
        }
        return value
    }

    func duration(_ node: JSONNode?, _ path: String) -> FlowDuration? {
        guard let text = string(node, path) else { return nil }
        guard let duration = FlowDuration(parsing: text) else {
            report(path, node, "bad duration \"\(text)\"", hint: "write durations like 250ms, 5s, 10m, 12h, 1d or 1h30m")
            return nil
        }
        return duration
    }

    /// A value of a declared type, written as in definitions: money `{"value": 399, "currency": "NOK"}`,
    /// durations `"12h"`, phone numbers `"4791234567"`.
    func literal(_ node: JSONNode, _ path: String, type: ValueType) -> Value? {
        if type == .money {
            guard let fields = members(node, path, allowed: ["value", "currency"], required: ["value", "currency"], what: "money") else {
                return nil
            }
            guard let units = integer(fields["value"], "\(path).value", in: 0...Int64.max),
                  let currency = string(fields["currency"], "\(path).currency") else { return nil }
            guard Money.supportedCurrencies.contains(currency) else {
                report("\(path).currency", fields["currency"], "bad currency \"\(currency)\"", hint: "use NOK, DKK or EUR")
                return nil
            }
            return .money(Money(minorUnits: units, currency: currency))
        }
        switch type {
        case .integer: return integer(node, path).map(Value.integer)
        case .boolean: return bool(node, path).map(Value.boolean)
        case .string: return string(node, path).map(Value.string)
        case .duration: return duration(node, path).map(Value.duration)
        case .phoneNumber: return string(node, path).map(Value.phoneNumber)
        default:
            report(path, node, "values of type \(type) cannot be written in a scenario")
            return nil
        }
    }

    func closest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

extension JSONNode.Kind {
    var numberText: String? { if case .number(let text) = self { text } else { nil } }
}
