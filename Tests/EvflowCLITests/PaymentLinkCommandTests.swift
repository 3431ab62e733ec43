import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// `evflow show` offers the payment's link (landing page, app or QR) while the customer has yet to approve.
    @Suite("evflow show: the payment link")
    struct PaymentLinkCommandTests {
        @Test func showPrintsTheLinkWhileThePaymentAwaitsApproval() async throws {
            try await CLITestBed.with(autoApprove: nil) { bed in
                let evflow = bed.evflow
                try FileManager.default.copyItem(at: Repository.flows.appending(path: "ev-charging-landing-page.json"),
                                                 to: evflow.flowsDirectory.appending(path: "ev-charging-landing-page.json"))
                let input = #"{"pricePerKWh": {"value": 399, "currency": "NOK"}, "returnUrl": "https://charge.example.com/return"}"#
                let started = try await evflow("start", "ev-charging-landing-page", "--id", "lp-1", "--input", input)
                #expect(started.status == 0, "\(started)")
                let ran = try await evflow("run", "--once")
                #expect(ran.status == 0, "\(ran)")
                // Never above debug in a log line: the worker's output does not carry it.
                #expect(!ran.stdout.contains("/_sim/landing") && !ran.stderr.contains("/_sim/landing"), "\(ran)")

                struct Shown: Decodable {
                    struct Payment: Decodable {
                        var reference: String
                        var state: String
                        var redirectUrl: String?
                    }
                    var payment: Payment?
                }
                let shown = try await evflow("show", "lp-1", "--json").decode(Shown.self)
                let payment = try #require(shown.payment)
                #expect(payment.reference.hasPrefix("ev-lp-1") && payment.state == "CREATED")
                let link = try #require(payment.redirectUrl)
                #expect(link.hasPrefix(bed.simulator.baseURL + "/_sim/landing?token="))
                let text = try await evflow("show", "lp-1")
                #expect(text.stdout.contains("awaiting approval at \(link)"), "\(text)")
            }
        }
    }
}
