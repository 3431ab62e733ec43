import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// Builds small definitions and finds positions in them, so tests can assert exact line:column.
enum DefinitionFixtures {
    /// The shipped `flows/` folder of this repository.
    static var flowsDirectory: URL {
        Repository.flows
    }

    /// A minimal valid payment flow: reserve → authorize → capture `captureAmount` → release → done.
    static func paymentFlow(captureAmount: String = "min(vars.due, steps.reserve.amount)", extraSteps: String = "") -> String {
        """
        {
          "name": "test-flow",
          "version": 1,
          "inputs": {
            "phone": { "type": "phoneNumber" },
            "maxAmount": { "type": "money", "default": { "value": 50000, "currency": "NOK" } }
          },
          "variables": {
            "due": { "type": "money", "initial": "money(0, 'NOK')" }
          },
          "steps": [
            { "id": "reserve", "kind": "reserve", "amount": "inputs.maxAmount", "paymentDescription": "'Test payment'",
              "customerPhone": "inputs.phone", "next": "authorize" },
            { "id": "authorize", "kind": "awaitPayment", "next": "capture", "onFailure": "failed" },
            { "id": "capture", "kind": "capture", "amount": "\(captureAmount)", "next": "release" },
            { "id": "release", "kind": "cancel", "next": "done" },
            { "id": "done", "kind": "succeed" },
            { "id": "failed", "kind": "fail", "error": "test.failed" }\(extraSteps.isEmpty ? "" : ",\n    " + extraSteps)
          ]
        }
        """
    }

    /// A flow whose steps are given verbatim (with inputs `amount: money`, `n: integer`, `d: duration`).
    static func flow(steps: String, extra: String = "") -> String {
        """
        {
          "name": "test-flow",
          "version": 1,
          "inputs": {
            "amount": { "type": "money", "default": { "value": 1000, "currency": "NOK" } },
            "n": { "type": "integer", "default": 3 },
            "d": { "type": "duration", "default": "5s" }
          },\(extra)
          "steps": [
            \(steps)
          ]
        }
        """
    }

    /// Loads `text`, expecting it to fail, and returns the issues.
    static func issues(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [DefinitionIssue] {
        do {
            _ = try FlowDefinitionLoader().load(text: text, file: "test.json")
            Issue.record("expected validation errors, but the definition loaded", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.issues
        }
    }

    /// Loads `text`, expecting success.
    static func load(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> FlowDefinition {
        do {
            return try FlowDefinitionLoader().load(text: text, file: "test.json")
        } catch {
            Issue.record("expected the definition to load, got:\n\(error)", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// The 1-based line and column where `needle` first occurs in `text` (plus `offset` characters).
    static func position(of needle: String, in text: String, offset: Int = 0) -> (line: Int, column: Int) {
        guard let range = text.range(of: needle) else { return (0, 0) }
        let before = text[..<range.lowerBound]
        let line = before.count(where: { $0 == "\n" }) + 1
        let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        return (line, text[lineStart..<range.lowerBound].count + 1 + offset)
    }

    /// Expects exactly one issue matching `path`, at the position of `needle`, whose message contains `message`.
    @discardableResult
    static func expectIssue(
        _ issues: [DefinitionIssue], path: String, at needle: String, in text: String, offset: Int = 0, message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> DefinitionIssue? {
        let matching = issues.filter { $0.jsonPath == path && $0.message.contains(message) }
        #expect(matching.count == 1, "expected one issue at \(path) containing '\(message)', got:\n\(issues.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
        guard let issue = matching.first else { return nil }
        let expected = position(of: needle, in: text, offset: offset)
        #expect(issue.line == expected.line && issue.column == expected.column,
                "\(issue) should be at \(expected.line):\(expected.column)", sourceLocation: sourceLocation)
        #expect(issue.file == "test.json", sourceLocation: sourceLocation)
        return issue
    }
}
