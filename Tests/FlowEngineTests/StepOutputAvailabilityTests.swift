import Foundation
import Testing

@testable import FlowEngine

struct StepOutputAvailabilityTests {
    typealias F = DefinitionFixtures

    @Test func readingAStepOutputOnAFailurePathIsRejected() {
        let text = F.paymentFlow().replacingOccurrences(of: "{ \"id\": \"failed\", \"kind\": \"fail\", \"error\": \"test.failed\" }", with: """
            { "id": "failed", "kind": "notify", "event": "x", "payload": { "state": "steps.authorize.state" }, "next": "end" },
                { "id": "end", "kind": "fail", "error": "test.failed" }
            """)
        let issue = F.expectIssue(F.issues(text), path: "$.steps[5].payload.state", at: "\"steps.authorize.state\"", in: text,
                                  message: "steps.authorize.state may be read before step \"authorize\" has completed")
        #expect(issue?.hint?.contains("failure or timeout path") == true)
    }

    @Test func readingAStepOutputAfterItCompletedIsAccepted() throws {
        let text = F.paymentFlow().replacingOccurrences(of: "{ \"id\": \"done\", \"kind\": \"succeed\" }",
                                                        with: "{ \"id\": \"done\", \"kind\": \"succeed\", \"output\": { \"c\": \"steps.capture.capturedAmount\", \"s\": \"steps.authorize.state\" } }")
        _ = try F.load(text)
    }
}
