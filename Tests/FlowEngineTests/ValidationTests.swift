import Foundation
import Testing

@testable import FlowEngine

struct ValidationTests {
    typealias F = DefinitionFixtures

    @Test func theTestFixtureIsValid() throws {
        let definition = try F.load(F.paymentFlow())
        #expect(definition.steps.count == 6)
    }

    @Test func unknownFieldsAreRejectedWithASuggestion() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"kind\": \"capture\", ", with: "\"kind\": \"capture\", \"ammount\": \"1\", ")
        let issue = F.expectIssue(F.issues(text), path: "$.steps[2].ammount", at: "\"ammount\"", in: text, message: "unknown field \"ammount\"")
        #expect(issue?.hint == "did you mean \"amount\"?")
    }

    @Test func unknownTopLevelFieldIsRejected() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1, \"author\": \"me\",")
        F.expectIssue(F.issues(text), path: "$.author", at: "\"author\"", in: text, message: "unknown field")
    }

    @Test func unknownStepKindIsRejected() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"kind\": \"cancel\"", with: "\"kind\": \"cancle\"")
        let issue = F.expectIssue(F.issues(text), path: "$.steps[3].kind", at: "\"cancle\"", in: text, message: "unknown step kind \"cancle\"")
        #expect(issue?.hint == "did you mean \"cancel\"?")
    }

    @Test func missingRequiredFieldIsReported() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"amount\": \"min(vars.due, steps.reserve.amount)\", ", with: "")
        F.expectIssue(F.issues(text), path: "$.steps[2]", at: "{ \"id\": \"capture\"", in: text, message: "missing required field \"amount\"")
    }

    @Test func duplicateStepIDsAreRejected() {
        let text = F.paymentFlow(extraSteps: "{ \"id\": \"done\", \"kind\": \"succeed\" }")
        F.expectIssue(F.issues(text), path: "$.steps[6].id", at: "\"done\", \"kind\": \"succeed\" }\n", in: text, message: "duplicate step id \"done\"")
    }

    @Test func danglingTransitionIsRejected() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"next\": \"done\"", with: "\"next\": \"dne\"")
        let issue = F.expectIssue(F.issues(text), path: "$.steps[3].next", at: "\"dne\"", in: text, message: "transition to unknown step \"dne\"")
        #expect(issue?.hint == "did you mean \"done\"?")
    }

    @Test func unreachableStepIsRejected() {
        let text = F.paymentFlow(extraSteps: "{ \"id\": \"orphan\", \"kind\": \"succeed\" }")
        F.expectIssue(F.issues(text), path: "$.steps[6]", at: "{ \"id\": \"orphan\"", in: text, message: "step \"orphan\" is unreachable")
    }

    @Test func flowWithoutTerminalIsRejected() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "wait", "duration": "1s", "next": "b" },
                { "id": "b", "kind": "wait", "duration": "1s", "next": "a" }
            """)
        F.expectIssue(F.issues(text), path: "$.steps", at: "{ \"id\": \"a\"", in: text, message: "no succeed or fail step")
    }

    @Test func stepThatCannotReachATerminalIsRejected() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "choice", "choices": [{ "if": "inputs.n > 2", "next": "b" }], "default": "end" },
                { "id": "b", "kind": "wait", "duration": "1s", "next": "b" },
                { "id": "end", "kind": "succeed" }
            """)
        F.expectIssue(F.issues(text), path: "$.steps[1]", at: "{ \"id\": \"b\"", in: text, message: "no succeed or fail step is reachable from step \"b\"")
    }

    @Test func loopWithoutWaitIsRejected() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "compute", "assign": {}, "next": "b" },
                { "id": "b", "kind": "choice", "choices": [{ "if": "inputs.n > 2", "next": "a" }], "default": "end" },
                { "id": "end", "kind": "succeed" }
            """)
        let issue = F.expectIssue(F.issues(text), path: "$.steps[0]", at: "{ \"id\": \"a\"", in: text, message: "loop without a wait: a → b → a")
        #expect(issue?.hint?.contains("wait") == true)
    }

    @Test func loopWithAWaitIsAccepted() throws {
        let text = F.flow(steps: """
            { "id": "a", "kind": "wait", "duration": "inputs.d * 2", "next": "b" },
                { "id": "b", "kind": "choice", "choices": [{ "if": "inputs.n > 2", "next": "a" }], "default": "end" },
                { "id": "end", "kind": "succeed" }
            """)
        let definition = try F.load(text)
        #expect(definition.steps.map(\.id) == ["a", "b", "end"])
    }

    @Test func expressionSyntaxErrorPointsAtTheToken() {
        let text = F.paymentFlow(captureAmount: "min(vars.due, steps.reserve.amount))")
        // The stray ")" is character 35 of the expression; the expression starts one after the opening quote.
        F.expectIssue(F.issues(text), path: "$.steps[2].amount", at: "\"min(vars.due", in: text, offset: 1 + 35, message: "unexpected ')'")
    }

    @Test func expressionTypeErrorPointsAtTheOperator() {
        let text = F.paymentFlow(captureAmount: "min(vars.due + 5, steps.reserve.amount)")
        let issue = F.expectIssue(F.issues(text), path: "$.steps[2].amount", at: "\"min(vars.due", in: text, offset: 1 + 4, message: "cannot apply '+' to money and integer")
        #expect(issue?.hint?.contains("money(n, currency(m))") == true)
    }

    @Test func expressionPositionsAccountForEscapes() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"'Test payment'\"", with: "\"\\\"Test\\\" + nope\"")
        // "Test" + nope: 'nope' is character 9 of the expression but, after two escaped quotes, 11 of the source.
        F.expectIssue(F.issues(text), path: "$.steps[0].paymentDescription", at: "\"\\\"Test", in: text, offset: 1 + 11, message: "unknown name 'nope'")
    }

    @Test func fieldOfTheWrongTypeIsRejected() {
        let text = F.paymentFlow(captureAmount: "minorUnits(vars.due)")
        let issue = F.expectIssue(F.issues(text), path: "$.steps[2].amount", at: "\"minorUnits", in: text, message: "expected money, but `minorUnits(vars.due)` is integer")
        #expect(issue?.hint?.contains("money(n, 'NOK')") == true)
    }

    @Test func unboundedCaptureIsRejected() {
        let text = F.paymentFlow(captureAmount: "vars.due")
        let issue = F.expectIssue(F.issues(text), path: "$.steps[2].amount", at: "\"vars.due\"", in: text, message: "not provably bounded by the reservation")
        #expect(issue?.hint?.contains("min(vars.due, steps.reserve.amount)") == true)
    }

    @Test(arguments: [
        "min(vars.due, steps.reserve.amount)", "min(steps.authorize.authorizedAmount, vars.due)", "inputs.maxAmount",
        "max(steps.reserve.amount, inputs.maxAmount)", "if(vars.due > inputs.maxAmount, inputs.maxAmount, min(vars.due, inputs.maxAmount))",
    ])
    func boundedCapturesAreAccepted(amount: String) throws {
        _ = try F.load(F.paymentFlow(captureAmount: amount))
    }

    @Test(arguments: ["max(vars.due, steps.reserve.amount)", "steps.reserve.amount + vars.due", "if(true, vars.due, inputs.maxAmount)"])
    func unprovableCapturesAreRejected(amount: String) {
        #expect(F.issues(F.paymentFlow(captureAmount: amount)).contains { $0.message.contains("not provably bounded") })
    }

    @Test func choiceGuardBoundsACapture() throws {
        let guarded = F.paymentFlow(captureAmount: "vars.due").replacingOccurrences(of: "\"next\": \"capture\", \"onFailure\"", with: "\"next\": \"check\", \"onFailure\"")
            .replacingOccurrences(of: "{ \"id\": \"release\"", with: """
                { "id": "check", "kind": "choice", "choices": [{ "if": "vars.due > money(0, 'NOK') && vars.due <= steps.reserve.amount", "next": "capture" }], "default": "release" },
                    { "id": "release"
                """)
        _ = try F.load(guarded)
        let wrongGuard = guarded.replacingOccurrences(of: "vars.due <= steps.reserve.amount", with: "vars.due >= steps.reserve.amount")
        #expect(F.issues(wrongGuard).contains { $0.jsonPath == "$.steps[2].amount" && $0.message.contains("not provably bounded") })
        let guardsSomethingElse = guarded.replacingOccurrences(of: "vars.due <= steps.reserve.amount", with: "money(1, 'NOK') <= steps.reserve.amount")
        #expect(F.issues(guardsSomethingElse).contains { $0.jsonPath == "$.steps[2].amount" && $0.message.contains("not provably bounded") })
    }

    @Test func deadlineIntoAGuardedCaptureIsRejected() {
        let text = F.paymentFlow(captureAmount: "vars.due").replacingOccurrences(of: "\"next\": \"capture\", \"onFailure\"", with: "\"next\": \"check\", \"onFailure\"")
            .replacingOccurrences(of: "{ \"id\": \"release\"", with: """
                { "id": "check", "kind": "choice", "choices": [{ "if": "vars.due <= steps.reserve.amount", "next": "capture" }], "default": "release" },
                    { "id": "release"
                """)
            .replacingOccurrences(of: "\"steps\": [", with: "\"deadlines\": [{ \"id\": \"late\", \"after\": \"1h\", \"during\": [\"authorize\"], \"goto\": \"capture\" }],\n  \"steps\": [")
        #expect(F.issues(text).contains { $0.jsonPath == "$.steps[2].amount" && $0.message.contains("not provably bounded") })
    }

    @Test func badDurationsAreRejected() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "wait", "duration": "5x", "next": "end" },
                { "id": "end", "kind": "succeed" }
            """, extra: "\n  \"variables\": { \"t\": { \"type\": \"duration\", \"initial\": \"10m5h\" } },")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[0].duration", at: "\"5x\"", in: text, offset: 1, message: "bad duration or number '5x'")
        F.expectIssue(issues, path: "$.variables.t.initial", at: "\"10m5h\"", in: text, offset: 1, message: "bad duration or number '10m5h'")
    }

    @Test func badMoneyAndCurrencyAreRejected() {
        let text = F.flow(steps: "{ \"id\": \"end\", \"kind\": \"succeed\" }", extra: """

              "variables": { "m": { "type": "money", "initial": "money(100, 'SEK')" } },
            """).replacingOccurrences(of: "{ \"value\": 1000, \"currency\": \"NOK\" }", with: "{ \"value\": 10.5, \"currency\": \"USD\" }")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.inputs.amount.default.value", at: "10.5", in: text, message: "bad money: 10.5 is not a whole number")
        F.expectIssue(issues, path: "$.inputs.amount.default.currency", at: "\"USD\"", in: text, message: "bad currency \"USD\"")
        F.expectIssue(issues, path: "$.variables.m.initial", at: "'SEK'", in: text, message: "unsupported currency 'SEK'")
    }

    @Test func phoneNumbersCannotLeakIntoNotifications() {
        let text = F.paymentFlow().replacingOccurrences(of: "{ \"id\": \"release\", \"kind\": \"cancel\", \"next\": \"done\" }", with: """
            { "id": "release", "kind": "cancel", "next": "tell" },
                { "id": "tell", "kind": "notify", "event": "x", "payload": { "who": "inputs.phone" }, "next": "done" }
            """)
        F.expectIssue(F.issues(text), path: "$.steps[4].payload.who", at: "\"inputs.phone\" }", in: text, message: "a phone number cannot be used here")
    }

    @Test func awaitPaymentMustSayWhereAbortsGo() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"next\": \"capture\", \"onFailure\": \"failed\"", with: "\"next\": \"capture\", \"onAborted\": \"failed\"")
        let issues = F.issues(text)
        #expect(issues.filter { $0.jsonPath == "$.steps[1]" }.map(\.message) == [
            "awaitPayment does not say where a EXPIRED payment goes", "awaitPayment does not say where a TERMINATED payment goes",
        ])
    }

    @Test func pollingAndPaymentTimeoutFollowTheProviderRules() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"kind\": \"awaitPayment\",", with: "\"kind\": \"awaitPayment\", \"poll\": { \"every\": \"500ms\" }, \"timeout\": \"2m\",")
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[1].poll.every", at: "\"500ms\"", in: text, message: "too fast")
        F.expectIssue(issues, path: "$.steps[1].timeout", at: "\"2m\"", in: text, message: "shorter than 10m")
    }

    @Test func allErrorsAreReportedAtOnce() {
        let text = F.paymentFlow(captureAmount: "vars.due")
            .replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1, \"colour\": 1,")
            .replacingOccurrences(of: "'Test payment'", with: "1 +")
            .replacingOccurrences(of: "\"kind\": \"succeed\" }", with: "\"kind\": \"succeed\", \"output\": { \"x\": \"vars.nope\" } }")
        let issues = F.issues(text)
        #expect(issues.count == 4, "\(issues.map(\.description))")
        #expect(Set(issues.map(\.jsonPath)) == ["$.colour", "$.steps[0].paymentDescription", "$.steps[2].amount", "$.steps[4].output.x"])
        #expect(issues == issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        let report = DefinitionValidationError(issues: issues).description
        #expect(report.hasPrefix("4 problems in 1 flow definition file:"))
        #expect(report.contains("test.json:\(issues[0].line):\(issues[0].column): $.colour: unknown field"))
    }

    @Test func invalidJSONIsReportedWithItsPosition() {
        let text = "{\n  \"name\": \"x\",\n  \"name\": \"y\"\n}"
        let issues = F.issues(text)
        #expect(issues.count == 1)
        #expect(issues.first?.line == 3 && issues.first?.column == 3)
        #expect(issues.first?.message.contains("duplicate member \"name\"") == true)
    }

    @Test func signalHandlersAreTypeChecked() {
        let text = F.flow(steps: """
            { "id": "a", "kind": "awaitSignal", "on": { "tick": { "assign": { "total": "vars.total + signal.wh" } }, "tock": {} },
                  "until": [{ "if": "signals.tick.sum(wh) > 10", "next": "end" }], "timeout": "1h", "onTimeout": "end" },
                { "id": "end", "kind": "succeed", "output": { "x": "signal.wh" } }
            """, extra: """

              "variables": { "total": { "type": "integer" } },
              "signals": { "tick": { "fields": { "wh": "integer" } } },
            """)
        let issues = F.issues(text)
        F.expectIssue(issues, path: "$.steps[0].on.tock", at: "\"tock\"", in: text, message: "no signal named \"tock\"")
        F.expectIssue(issues, path: "$.steps[1].output.x", at: "\"signal.wh\"", in: text, offset: 1, message: "only available in an awaitSignal handler")
        #expect(issues.count == 2)
    }
}
