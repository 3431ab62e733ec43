import CurlHTTP
import EPaymentSimulator
import Testing

/// What the create response links to for each `userFlow` (spec: `CreatePaymentResponse.redirectUrl`), and the
/// `qrFormat` rule (spec: "only applicable when userFlow is set to QR").
@Suite("The create response's redirectUrl per userFlow")
struct UserFlowLinkTests {
    static func body(_ reference: String, _ flowFields: String) -> String {
        #"{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"\#(reference)",\#(flowFields)}"#
    }

    @Test func qrFormatIsRefusedForEveryOtherUserFlow() async throws {
        try await withTestSimulator { simulator, api throws in
            let push = Self.body("qr-rule-0001", #""userFlow":"PUSH_MESSAGE","customer":{"phoneNumber":"4791234567"},"qrFormat":{"format":"IMAGE/PNG"}"#)
            let refused = try await api.send(.post, "/epayment/v1/payments", body: push, idempotencyKey: "q1")
            #expect(refused.status == 400)
            #expect(refused.detailNames == ["qrFormat"])
            let web = Self.body("qr-rule-0002", #""userFlow":"WEB_REDIRECT","returnUrl":"https://example.com/back","qrFormat":{"format":"TEXT/TARGETURL"}"#)
            #expect(try await api.send(.post, "/epayment/v1/payments", body: web, idempotencyKey: "q2").detailNames == ["qrFormat"])
            #expect(simulator.ledger().payments.isEmpty)
        }
    }

    @Test func aQRPaymentLinksToItsImageOrToWhatTheCodeEncodes() async throws {
        try await withTestSimulator { simulator, api throws in
            let base = simulator.baseURL
            let target = try await api.send(.post, "/epayment/v1/payments", body: Self.body("qr-link-0001", #""userFlow":"QR","qrFormat":{"format":"TEXT/TARGETURL"}"#), idempotencyKey: "q3")
            #expect(target.status == 201)
            #expect(target.body.redirectUrl?.hasPrefix(base + "/_sim/landing?token=") == true)
            let svg = try await api.send(.post, "/epayment/v1/payments", body: Self.body("qr-link-0002", #""userFlow":"QR""#), idempotencyKey: "q4")
            #expect(svg.body.redirectUrl?.hasPrefix(base + "/_sim/qr?format=svg&token=") == true)
            let png = try await api.send(.post, "/epayment/v1/payments", body: Self.body("qr-link-0003", #""userFlow":"QR","qrFormat":{"format":"IMAGE/PNG","size":300}"#), idempotencyKey: "q5")
            #expect(png.body.redirectUrl?.hasPrefix(base + "/_sim/qr?format=png&size=300&token=") == true)
            let push = try await api.send(.post, "/epayment/v1/payments", body: Self.body("qr-link-0004", #""userFlow":"PUSH_MESSAGE","customer":{"phoneNumber":"4791234567"},"customerInteraction":"CUSTOMER_PRESENT""#), idempotencyKey: "q6")
            #expect(push.status == 201 && push.body.redirectUrl == nil)
            #expect(simulator.ledger().payment(reference: "qr-link-0004")?.customerInteraction == "CUSTOMER_PRESENT")
            #expect(simulator.ledger().payment(reference: "qr-link-0001")?.customerInteraction == nil)
        }
    }
}
