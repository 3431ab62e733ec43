import Foundation
import Testing

@testable import FlowEngine

/// The reserve step's field combinations, as the ePayment spec's `CreatePaymentRequest` allows them: refused at
/// load time with file, JSON path and hint, so no session starts with a create the provider would refuse.
struct ReserveCombinationTests {
    typealias F = DefinitionFixtures

    /// The minimal payment flow with its reserve step's fields replaced by `fields`.
    static func flow(_ fields: String, inputs: String = "") -> String {
        F.paymentFlow()
            .replacingOccurrences(of: "\"customerPhone\": \"inputs.phone\",", with: fields)
            .replacingOccurrences(of: "\"phone\": { \"type\": \"phoneNumber\" },", with: "\"phone\": { \"type\": \"phoneNumber\" },\(inputs)")
    }

    @Test func aPhoneNumberIsOnlyForPushMessage() {
        let text = Self.flow(#""userFlow": "WEB_REDIRECT", "returnUrl": "'https://charge.example.com/r'", "customerPhone": "inputs.phone","#)
        let issue = F.expectIssue(F.issues(text), path: "$.steps[0].customerPhone", at: "\"inputs.phone\"", in: text,
                                  message: "\"customerPhone\" is only for userFlow PUSH_MESSAGE, not WEB_REDIRECT")
        #expect(issue?.hint?.contains("remove it") == true)
    }

    @Test func redirectFlowsNeedAnHTTPSReturnURL() {
        let missing = Self.flow(#""userFlow": "NATIVE_REDIRECT","#)
        let issue = F.expectIssue(F.issues(missing), path: "$.steps[0]", at: "{ \"id\": \"reserve\"", in: missing, message: "userFlow NATIVE_REDIRECT needs \"returnUrl\"")
        #expect(issue?.hint?.contains("https://") == true)
        let plain = Self.flow(#""userFlow": "WEB_REDIRECT", "returnUrl": "'http://charge.example.com/r'","#)
        F.expectIssue(F.issues(plain), path: "$.steps[0].returnUrl", at: "\"'http://", in: plain, message: "must use https:// or a custom URL scheme")
    }

    @Test func qrFormatIsOnlyForQRAndItsSizeOnlyForPNG() {
        let push = Self.flow(#""customerPhone": "inputs.phone", "qrFormat": { "format": "TEXT/TARGETURL" },"#)
        let issue = F.expectIssue(F.issues(push), path: "$.steps[0].qrFormat", at: "{ \"format\"", in: push, message: "\"qrFormat\" is only for userFlow QR, not PUSH_MESSAGE")
        #expect(issue?.hint == "remove it, or set \"userFlow\": \"QR\"")
        let sized = Self.flow(#""userFlow": "QR", "qrFormat": { "format": "IMAGE/SVG+XML", "size": 400 },"#)
        F.expectIssue(F.issues(sized), path: "$.steps[0].qrFormat.size", at: "400", in: sized, message: "qrFormat.size applies only to IMAGE/PNG")
        let unknown = Self.flow(#""userFlow": "QR", "qrFormat": { "format": "IMAGE/GIF" },"#)
        F.expectIssue(F.issues(unknown), path: "$.steps[0].qrFormat.format", at: "\"IMAGE/GIF\"", in: unknown, message: "unknown qrFormat.format \"IMAGE/GIF\"")
        let small = Self.flow(#""userFlow": "QR", "qrFormat": { "format": "IMAGE/PNG", "size": 50 },"#)
        F.expectIssue(F.issues(small), path: "$.steps[0].qrFormat.size", at: "50 }", in: small, message: "out of range 100...2000")
    }

    @Test func customerInteractionIsOneOfTheSpecsValues() {
        let text = Self.flow(#""customerPhone": "inputs.phone", "customerInteraction": "PRESENT","#)
        let issue = F.expectIssue(F.issues(text), path: "$.steps[0].customerInteraction", at: "\"PRESENT\"", in: text, message: "unknown customerInteraction \"PRESENT\"")
        #expect(issue?.hint?.contains("CUSTOMER_PRESENT") == true)
    }

    /// The provider sends no link for a push message: reading one would fail in the middle of a session.
    @Test func aPushFlowCannotReadARedirectURL() {
        let text = F.paymentFlow(extraSteps: #"{ "id": "tell", "kind": "notify", "event": "x", "payload": { "link": "steps.reserve.redirectUrl" }, "next": "done" }"#)
            .replacingOccurrences(of: "\"next\": \"authorize\" }", with: "\"next\": \"tell\" }")
            .replacingOccurrences(of: "\"next\": \"done\" }\n", with: "\"next\": \"authorize\" }\n")
        let issues = F.issues(text)
        #expect(issues.contains { $0.jsonPath == "$.steps[6].payload.link" && $0.message.contains("redirectUrl") }, "\(issues)")
    }

    @Test func theSpecsCombinationsForEachUserFlowLoad() throws {
        let qr = try F.load(Self.flow(#""userFlow": "QR", "qrFormat": { "format": "IMAGE/PNG", "size": 512 }, "customerInteraction": "CUSTOMER_PRESENT","#))
        guard case .reserve(let reserve)? = qr.step("reserve")?.kind else { Issue.record("no reserve step"); return }
        #expect(reserve.qrFormat == ReserveStep.QRFormat(format: .png, size: 512))
        #expect(reserve.customerInteraction == .customerPresent)
        let landing = try F.load(Self.flow(#""userFlow": "WEB_REDIRECT", "returnUrl": "inputs.back","#, inputs: #" "back": { "type": "string" },"#))
        guard case .reserve(let redirect)? = landing.step("reserve")?.kind else { Issue.record("no reserve step"); return }
        #expect(redirect.userFlow == .webRedirect && redirect.customerPhone == nil && redirect.qrFormat == nil)
    }
}
