import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// The landing page's one round trip over HTTP: `"wait": "payment"` on a start answers once the payment exists,
/// with the link to send the customer's browser to; a repeated start answers with the same payment; a bound that
/// passes first answers 202 with the instance's location.
@Suite(.serialized)
struct ServeLandingPageTests {
    static let input = #"{"pricePerKWh": {"value": 399, "currency": "NOK"}, "returnUrl": "https://charge.example.com/session/return"}"#

    /// A fixture whose flows folder also holds the shipped landing-page flow; the customer never approves by themselves.
    static func withLandingPage(_ body: @Sendable (ServeFixture) async throws -> Void) async throws {
        try await withServeFixture(webhooks: false, autoApproveAfter: .seconds(3600)) { fixture in
            try FileManager.default.copyItem(at: Repository.flows.appending(path: "ev-charging-landing-page.json"),
                                             to: fixture.flows.appending(path: "ev-charging-landing-page.json"))
            try await fixture.withServer { try await body(fixture) }
        }
    }

    @Test func aStartWaitingForThePaymentAnswersWithItsLinkAndARetryWithTheSamePayment() async throws {
        try await Self.withLandingPage { fixture in
            let body = #"{"id": "lp-1", "input": \#(Self.input), "wait": "payment", "waitSeconds": 20}"#
            let created = try await fixture.call(.post, "/v1/flows/ev-charging-landing-page/instances", json: body)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.header("Location") == "/v1/instances/lp-1")
            let payment = try #require(try created.decode(APIInstance.self).payment)
            #expect(payment.reference.hasPrefix("ev-lp-1") && payment.state == "CREATED")
            let link = try #require(payment.redirectUrl)
            #expect(link.hasPrefix(fixture.simulator.baseURL + "/_sim/landing?token="))

            // The landing page's answer was lost and it asks again: the same payment and link.
            let again = try await fixture.call(.post, "/v1/flows/ev-charging-landing-page/instances", json: body)
            #expect(again.status == 200, "\(again.text)")
            #expect(try again.decode(APIInstance.self).payment?.redirectUrl == link)
            #expect(fixture.simulator.ledger().payments.map(\.reference) == [payment.reference])

            let read = try await fixture.call(.get, "/v1/instances/lp-1")
            #expect(try read.decode(APIInstance.self).payment?.redirectUrl == link)
        }
    }

    @Test func theWaitCanBeAskedForInTheQueryString() async throws {
        try await Self.withLandingPage { fixture in
            let created = try await fixture.call(.post, "/v1/flows/ev-charging-landing-page/instances?wait=payment&waitSeconds=20",
                                                 json: #"{"id": "lp-2", "input": \#(Self.input)}"#)
            #expect(created.status == 201, "\(created.text)")
            #expect(try created.decode(APIInstance.self).payment?.redirectUrl?.contains("token=") == true)
        }
    }

    @Test func aBoundThatPassesFirstAnswers202WithTheLocation() async throws {
        try await Self.withLandingPage { fixture in
            // The provider takes 3 s to create the payment; the caller waits 1 s.
            fixture.simulator.setFault(FaultRule(latencyMilliseconds: 3_000, times: 1), for: .createPayment)
            let accepted = try await fixture.call(.post, "/v1/flows/ev-charging-landing-page/instances",
                                                  json: #"{"id": "lp-3", "input": \#(Self.input), "wait": "payment", "waitSeconds": 1}"#)
            #expect(accepted.status == 202, "\(accepted.text)")
            #expect(accepted.header("Location") == "/v1/instances/lp-3")
            #expect(try accepted.decode(APIInstance.self).payment == nil)
            // The worker carries on: the payment and its link appear on the instance.
            let instance = try await fixture.waitFor("lp-3", "its payment link") { $0.payment?.redirectUrl != nil }
            #expect(instance.payment?.reference.hasPrefix("ev-lp-3") == true)
            #expect(fixture.simulator.ledger().payments.count == 1)
        }
    }

    @Test func aWaitThatIsNotUnderstoodIsABadRequestNamingTheField() async throws {
        try await Self.withLandingPage { fixture in
            let path = "/v1/flows/ev-charging-landing-page/instances"
            let unknown = try await fixture.call(.post, path, json: #"{"id": "lp-4", "input": \#(Self.input), "wait": "approval"}"#)
            #expect(unknown.status == 400)
            #expect(try unknown.problem().detail.contains("'wait' must be \"payment\""))
            let tooLong = try await fixture.call(.post, path, json: #"{"id": "lp-4", "input": \#(Self.input), "wait": "payment", "waitSeconds": 600}"#)
            #expect(tooLong.status == 400)
            #expect(try tooLong.problem().detail.contains("'waitSeconds' must be from 1 to 30"))
            let query = try await fixture.call(.post, path + "?wait=payment&waitSeconds=soon", json: #"{"id": "lp-4", "input": \#(Self.input)}"#)
            #expect(query.status == 400)
            #expect(try query.problem().detail.contains("'waitSeconds'"))
            // Nothing was started by the refused requests.
            #expect(try await fixture.call(.get, "/v1/instances/lp-4").status == 404)
        }
    }
}
