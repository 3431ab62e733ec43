import Foundation

/// Diagrams of a definition's step graph for `evflow graph`: Mermaid (renders in GitHub and most wikis) and
/// Graphviz DOT. Nodes are steps labelled with their kind; edges are transitions labelled with the field that
/// declares them; failure and timeout paths are dashed; deadlines are drawn from each step they interrupt.
extension FlowDefinition {
    /// A Mermaid `flowchart`.
    package func mermaidDiagram() -> String {
        var lines = ["flowchart TD", "    %% \(name) v\(version)"]
        // Node ids get a prefix so a step called `end` or `graph` cannot collide with Mermaid keywords.
        func node(_ id: String) -> String { "s_\(id)" }
        for step in steps {
            let label = "\(step.id)<br/><i>\(step.kind.name)</i>"
            switch step.kind {
            case .succeed, .fail: lines.append("    \(node(step.id))([\"\(label)\"])")
            case .choice: lines.append("    \(node(step.id)){\"\(label)\"}")
            case .awaitPayment, .awaitSignal, .wait: lines.append("    \(node(step.id))[/\"\(label)\"/]")
            default: lines.append("    \(node(step.id))[\"\(label)\"]")
            }
        }
        lines.append("    start((start)) --> \(node(start))")
        for (from, to, label, dashed) in edges() {
            lines.append("    \(node(from)) \(dashed ? "-.->" : "-->")|\"\(label)\"| \(node(to))")
        }
        for step in steps {
            switch step.kind {
            case .succeed: lines.append("    style \(node(step.id)) fill:#d4f4dd,stroke:#2e7d32")
            case .fail: lines.append("    style \(node(step.id)) fill:#fde0dc,stroke:#c62828")
            default: break
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A Graphviz `digraph` (`dot -Tsvg`).
    package func dotDiagram() -> String {
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var lines = ["digraph \(quoted(name)) {", "    label=\(quoted("\(name) v\(version)"));", "    rankdir=TB;", "    node [shape=box, fontname=\"Helvetica\"];",
                     "    \"$start\" [shape=circle, label=\"start\"];", "    \"$start\" -> \(quoted(start));"]
        for step in steps {
            var attributes = ["label=\(quoted("\(step.id)\\n(\(step.kind.name))"))"]
            switch step.kind {
            case .succeed: attributes += ["shape=oval", "style=filled", "fillcolor=\"#d4f4dd\""]
            case .fail: attributes += ["shape=oval", "style=filled", "fillcolor=\"#fde0dc\""]
            case .choice: attributes.append("shape=diamond")
            case .awaitPayment, .awaitSignal, .wait: attributes.append("shape=parallelogram")
            default: break
            }
            lines.append("    \(quoted(step.id)) [\(attributes.joined(separator: ", "))];")
        }
        for (from, to, label, dashed) in edges() {
            lines.append("    \(quoted(from)) -> \(quoted(to)) [label=\(quoted(label))\(dashed ? ", style=dashed" : "")];")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// Every transition once per (from, to, label), then deadline jumps.
    private func edges() -> [(from: String, to: String, label: String, dashed: Bool)] {
        var result: [(String, String, String, Bool)] = []
        for step in steps {
            for (field, target) in step.transitions {
                let dashed = field == "onFailure" || field == "onTimeout"
                var label = field
                if label.hasPrefix("on.") { label.removeFirst(3) }
                if label.hasSuffix(".next") { label.removeLast(5) }
                result.append((step.id, target, label, dashed))
            }
        }
        for deadline in deadlines {
            for step in deadline.during {
                result.append((step, deadline.goto, "deadline \(deadline.id)", true))
            }
        }
        var seen = Set<String>()
        return result.filter { seen.insert("\($0.0)>\($0.1)>\($0.2)").inserted }
    }
}

extension StepKind {
    /// The `kind` as written in definitions.
    package var name: String {
        switch self {
        case .reserve: "reserve"
        case .awaitPayment: "awaitPayment"
        case .awaitSignal: "awaitSignal"
        case .compute: "compute"
        case .capture: "capture"
        case .cancel: "cancel"
        case .refund: "refund"
        case .notify: "notify"
        case .receipt: "receipt"
        case .choice: "choice"
        case .wait: "wait"
        case .succeed: "succeed"
        case .fail: "fail"
        }
    }
}
