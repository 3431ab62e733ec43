import Foundation
import Testing

@testable import FlowEngine

/// Kind-specific rules: what each step needs to be safe to run against the payment provider.
struct StepRuleTests {
    typealias F = DefinitionFixtures

    @Test func awaitSignalNeedsATimeout() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "awaitSignal", "on": { "tick": { "next": "end" } } },
                { "id": "end", "kind": "succeed" }
            """, extra: "\n  \"signals\": { \"tick\": {} },")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[0]", at: "{ \"id\": \"a\"", in: text, message: "missing required field \"timeout\"")
        F.expectIssue(issues, path: "$.steps[0]", at: "{ \"id\": \"a\"", in: text, message: "missing required field \"onTimeout\"")
    }

    @Test func pushMessageNeedsAPhoneAndReferencesFollowTheProviderRules() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"customerPhone\": \"inputs.phone\",", with: "\"reference\": \"'bad_ref'\",")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[0]", at: "{ \"id\": \"reserve\"", in: text, message: "userFlow PUSH_MESSAGE needs \"customerPhone\"")
        F.expectIssue(issues, path: "$.steps[0].reference", at: "\"'bad_ref'\"", in: text, message: "payment reference \"bad_ref\" is invalid")
    }

    @Test func assignmentsNeedDeclaredVariablesOfTheRightType() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "compute", "assign": { "total": "inputs.n", "count": "inputs.amount" }, "next": "end" },
                { "id": "end", "kind": "succeed" }
            """, extra: "\n  \"variables\": { \"count\": { \"type\": \"integer\" } },")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[0].assign.total", at: "\"total\"", in: text, message: "assignment to undeclared variable \"total\"")
        F.expectIssue(issues, path: "$.steps[0].assign.count", at: "\"inputs.amount\"", in: text, message: "expected integer, but `inputs.amount` is money")
    }

    @Test func receiptsNeedTheirFiguresTypedAndAVatRateTheAPIAccepts() {
        let text = F.paymentFlow().replacingOccurrences(of: "{ \"id\": \"release\", \"kind\": \"cancel\", \"next\": \"done\" },", with: """
            { "id": "release", "kind": "cancel", "next": "receipt" },
                { "id": "receipt", "kind": "receipt", "energyWh": "inputs.maxAmount", "pricePerKWh": "inputs.maxAmount", "vatRate": 25000, "startFeeLineName": "42", "colour": "red", "next": "done" },
            """)
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[4].energyWh", at: "\"inputs.maxAmount\", \"pricePerKWh\"", in: text, message: "expected integer, but `inputs.maxAmount` is money")
        F.expectIssue(issues, path: "$.steps[4].vatRate", at: "25000", in: text, message: "VAT rate 25000 is outside 0...10000")
        F.expectIssue(issues, path: "$.steps[4].startFeeLineName", at: "\"42\"", in: text, message: "expected string, but `42` is integer")
        F.expectIssue(issues, path: "$.steps[4].colour", at: "\"colour\"", in: text, message: "unknown field \"colour\"")
        let missing = F.issues(F.paymentFlow(extraSteps: #"{ "id": "lost", "kind": "receipt", "next": "done" }"#))
        #expect(missing.contains { $0.message.contains("missing required field \"energyWh\"") }, "\(missing)")
        #expect(missing.contains { $0.message.contains("missing required field \"vatRate\"") }, "\(missing)")
    }

    @Test func deadlinesNeedStepsToInterruptAndATarget() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "wait", "duration": "1h", "next": "end" },
                { "id": "end", "kind": "succeed" }
            """, extra: "\n  \"deadlines\": [{ \"id\": \"late\", \"after\": \"inputs.n\", \"during\": [], \"goto\": \"nowhere\" }],")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.deadlines[0].after", at: "\"inputs.n\"", in: text, message: "expected duration, but `inputs.n` is integer")
        F.expectIssue(issues, path: "$.deadlines[0].during", at: "[]", in: text, message: "expected a non-empty array of step ids")
        F.expectIssue(issues, path: "$.deadlines[0].goto", at: "\"nowhere\"", in: text, message: "transition to unknown step \"nowhere\"")
    }

    @Test func retryPoliciesAreCheckedAndOnlyForSideEffects() throws {
        let text = F.paymentFlow().replacingOccurrences(of: "\"kind\": \"cancel\",", with: """
            "kind": "cancel", "retry": { "maxAttempts": 0, "initialBackoff": "1m", "maxBackoff": "10s", "jitter": "some", "retryOn": ["retryable", "everything"] },
            """).replacingOccurrences(of: "\"kind\": \"succeed\"", with: "\"kind\": \"succeed\", \"retry\": {}")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[3].retry.maxAttempts", at: "0, \"initialBackoff\"", in: text, message: "out of range 1...100")
        F.expectIssue(issues, path: "$.steps[3].retry.initialBackoff", at: "\"1m\"", in: text, message: "longer than maxBackoff")
        F.expectIssue(issues, path: "$.steps[3].retry.jitter", at: "\"some\"", in: text, message: "unknown jitter \"some\"")
        F.expectIssue(issues, path: "$.steps[3].retry.retryOn[1]", at: "\"everything\"", in: text, message: "unknown error class \"everything\"")
        F.expectIssue(issues, path: "$.steps[4].retry", at: "\"retry\": {}", in: text, message: "unknown field \"retry\" in a succeed step")

        let policy = try F.load(F.paymentFlow().replacingOccurrences(of: "\"kind\": \"cancel\",", with: """
            "kind": "cancel", "retry": { "maxAttempts": 3, "initialBackoff": "2s", "jitter": "none", "retryOn": ["maybeApplied"] },
            """)).step("release")?.retry
        #expect(policy == StepRetryPolicy(maxAttempts: 3, initialBackoff: .seconds(2), maxBackoff: .seconds(30), multiplier: 2, jitter: .none, retryOn: [.maybeApplied]))
    }

    @Test func unreadableFileIsReportedNotThrownRaw() {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString).json")
        #expect {
            try FlowDefinitionLoader().load(fileAt: missing)
        } throws: { error in
            let issues = (error as? DefinitionValidationError)?.issues ?? []
            return issues.count == 1 && issues[0].file == missing.path && issues[0].message.contains("cannot read")
        }
    }
}
