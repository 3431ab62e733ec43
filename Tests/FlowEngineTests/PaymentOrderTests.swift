import Foundation
import Testing

@testable import FlowEngine

/// The provider's order: reserve, then (for capture and refund) authorization.
struct PaymentOrderTests {
    typealias F = DefinitionFixtures

    @Test func captureBeforeAuthorizationIsRejected() {
        // The authorization's failure path goes straight to the capture.
        let text = F.paymentFlow().replacingOccurrences(of: "\"next\": \"capture\", \"onFailure\": \"failed\"", with: "\"next\": \"capture\", \"onFailure\": \"capture\"")
        let issue = F.expectIssue(F.issues(text), path: "$.steps[2]", at: "{ \"id\": \"capture\"", in: text, message: "can run before payment \"reserve\" is AUTHORIZED")
        #expect(issue?.hint?.contains("awaitPayment") == true)
    }

    @Test func paymentStepsBeforeTheReservationAreRejected() {
        let text = F.paymentFlow().replacingOccurrences(of: "\"customerPhone\": \"inputs.phone\", \"next\": \"authorize\"",
                                                        with: "\"customerPhone\": \"inputs.phone\", \"next\": \"authorize\", \"onFailure\": \"release\"")
        F.expectIssue(F.issues(text), path: "$.steps[3]", at: "{ \"id\": \"release\"", in: text, message: "can run before reserve step \"reserve\" created the payment")
    }

    @Test func cancellingAnUnauthorizedPaymentIsAllowed() throws {
        let text = F.paymentFlow().replacingOccurrences(of: "\"next\": \"capture\", \"onFailure\": \"failed\"", with: "\"next\": \"capture\", \"onAborted\": \"release\", \"onFailure\": \"failed\"")
        let definition = try F.load(text)
        guard case .awaitPayment(let wait)? = definition.step("authorize")?.kind else { Issue.record("authorize is not awaitPayment"); return }
        #expect(wait.onAborted == "release")
    }
}
