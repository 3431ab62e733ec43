import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// The landing page's one round trip through the embedding API: `start(…waitingFor: .payment…)` answers with the
/// payment's link once the worker created it, a repeated start answers with the same payment, and without a
/// worker the bound ends the wait. Real sockets to the simulator; the worker runs as a backend runs it.
@Suite("Start waiting for the payment")
struct StartWaitingForPaymentTests {
    static let landingInputs: [String: Value] = [
        "pricePerKWh": .money(Money(minorUnits: 399, currency: "NOK")),
        "returnUrl": .string("https://charge.example.com/session/return"),
    ]

    /// A runner on the shipped flows; the customer approves only when a test says so.
    static func withRunner(worker: Bool = true, _ body: @Sendable (FlowRunner, Simulator) async throws -> Void) async throws {
        try await withEmbeddedRunner(simulator: SimulatorConfiguration(rateLimitsEnabled: false, recordsRequests: true), worker: worker, body)
    }

    @Test(.timeLimit(.minutes(1))) func aLandingPageGetsTheLinkInOneCallAndARetryGetsTheSamePayment() async throws {
        try await Self.withRunner { runner, simulator in
            let first = try await runner.start(flow: "ev-charging-landing-page", id: "landing-1", inputs: Self.landingInputs,
                                               waitingFor: .payment, timeout: .seconds(20))
            #expect(first.created && !first.timedOut)
            let payment = try #require(first.payment)
            #expect(payment.reference == "ev-landing-1")
            let link = try #require(payment.redirectURL)
            #expect(link.hasPrefix(simulator.baseURL + "/_sim/landing?token="))
            #expect(first.instance.payment?.state == "CREATED")

            // The landing page lost the answer and asks again: the same payment and link, no second payment.
            let again = try await runner.start(flow: "ev-charging-landing-page", id: "landing-1", inputs: Self.landingInputs,
                                               waitingFor: .payment, timeout: .seconds(20))
            #expect(!again.created && !again.timedOut)
            #expect(again.payment == payment)
            let ledger = simulator.ledger()
            #expect(ledger.payments.map(\.reference) == ["ev-landing-1"])
            #expect(ledger.payments.first?.userFlow == "WEB_REDIRECT")
            #expect(ledger.payments.first?.customerInteraction == "CUSTOMER_PRESENT")
            #expect(simulator.recordedRequests().filter { $0.operation == "createPayment" }.count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1))) func theQRJourneyHandsTheChargerTheLinkTheQRCodeEncodes() async throws {
        try await Self.withRunner { runner, simulator in
            let started = try await runner.start(flow: "ev-charging-qr", id: "qr-1", inputs: ["pricePerKWh": Self.landingInputs["pricePerKWh"]!],
                                                 waitingFor: .payment, timeout: .seconds(20))
            // qrFormat TEXT/TARGETURL: the link is the URL the QR code encodes, not an image of it.
            let link = try #require(started.payment?.redirectURL)
            #expect(link.hasPrefix(simulator.baseURL + "/_sim/landing?token="))
            #expect(started.instance.stepOutputs["reserve"]?["redirectUrl"] == .string(link))
            #expect(simulator.ledger().payments.first?.userFlow == "QR")
        }
    }

    /// What the charger's screen gets: the link to draw as a QR code, in the flow's `charging.awaitingApproval`.
    @Test func theQRFlowSendsTheChargerTheLinkToShow() async throws {
        try await withFlowTestBed(flows: Repository.flows) { bed in
            try await bed.start("ev-charging-qr", id: "qr-2", inputs: ["pricePerKWh": Self.landingInputs["pricePerKWh"]!])
            let link = try #require(try bed.instance("qr-2").paymentLink?.redirectURL)
            let shown = try #require(bed.station.notifications.first { $0.event == "charging.awaitingApproval" })
            let payload = try JSONSerialization.jsonObject(with: Data(shown.payload.utf8)) as? [String: Any]
            #expect(payload?["qrUrl"] as? String == link)
            #expect(payload?["sessionId"] as? String == "qr-2")
        }
    }

    @Test(.timeLimit(.minutes(1))) func withoutAWorkerTheStartAnswersWhenTheBoundPasses() async throws {
        try await Self.withRunner(worker: false) { runner, simulator in
            let started = try await runner.start(flow: "ev-charging-landing-page", id: "landing-2", inputs: Self.landingInputs,
                                                 waitingFor: .payment, timeout: .milliseconds(200))
            #expect(started.created && started.timedOut)
            #expect(started.payment == nil)
            #expect(started.instance.status == .running)
            #expect(simulator.ledger().payments.isEmpty)
        }
    }

    /// The link is of use only while the customer has yet to approve: once authorized the views drop it.
    @Test(.timeLimit(.minutes(1))) func theLinkIsOfferedOnlyWhileThePaymentAwaitsApproval() async throws {
        try await Self.withRunner { runner, simulator in
            let started = try await runner.start(flow: "ev-charging-landing-page", id: "landing-3", inputs: Self.landingInputs,
                                                 waitingFor: .payment, timeout: .seconds(20))
            #expect(started.payment?.redirectURL != nil)
            try simulator.approve(reference: "ev-landing-3")
            try runner.paymentUpdated(instanceID: "landing-3", event: "AUTHORIZED", eventID: "landing-3-authorized")
            let authorized = try await waitFor("the instance to see the approval") {
                let instance = try runner.instance("landing-3")
                return instance.payment?.state == "AUTHORIZED" ? instance : nil
            }
            #expect(authorized.paymentLink == PaymentLink(reference: "ev-landing-3", redirectURL: nil))
            #expect(authorized.stepOutputs["reserve"]?["redirectUrl"] != nil)
        }
    }
}
