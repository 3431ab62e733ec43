import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The parts of an ePayment request every operation needs, checked in the real API's order: credentials
/// (401), then required headers (400), then the body (400).
struct APIRequest: Sendable {
    var msn: String
    var subscriptionKey: String
    var idempotencyKey: String?
    var body: JSONValue?

    var fingerprint: String { JSONValue.fingerprint(body) }

    static func header(_ request: Request, _ name: String) -> String? {
        HTTPField.Name(name).flatMap { request.headers[$0] }
    }

    /// Checks the token, subscription key, MSN, Idempotency-Key and optional system headers, and parses the body.
    /// Without a Merchant-Serial-Number (allowed where `requiresMerchantSerialNumber` is false: the Webhooks API's
    /// partner access) ``msn`` is empty.
    static func parse(
        _ request: Request,
        body bytes: [UInt8],
        simulator: Simulator,
        requiresIdempotencyKey: Bool,
        requiresMerchantSerialNumber: Bool = true
    ) throws(Problem) -> APIRequest {
        guard let subscriptionKey = header(request, "Ocp-Apim-Subscription-Key"), !subscriptionKey.isEmpty else {
            throw .unauthorized("The Ocp-Apim-Subscription-Key header is required.")
        }
        if let expected = simulator.configuration.credentials, expected.subscriptionKey != subscriptionKey {
            throw .unauthorized("Invalid Ocp-Apim-Subscription-Key.")
        }
        if let problem = simulator.authenticate(authorization: header(request, "Authorization")) { throw problem }

        var check = FieldValidator()
        let msn = header(request, "Merchant-Serial-Number")
        if let msn {
            if msn.range(of: #"^[0-9]{4,7}$"#, options: .regularExpression) == nil {
                check.fail("Merchant-Serial-Number", "Must be 4 to 7 digits.")
            }
        } else if requiresMerchantSerialNumber {
            check.fail("Merchant-Serial-Number", "The Merchant-Serial-Number header is required.")
        }
        let idempotencyKey = header(request, "Idempotency-Key")
        if let idempotencyKey {
            if idempotencyKey.isEmpty || idempotencyKey.count > 50 {
                check.fail("Idempotency-Key", "Must be 1 to 50 characters long.")
            }
        } else if requiresIdempotencyKey {
            check.fail("Idempotency-Key", "The Idempotency-Key header is required.")
        }
        for name in ["Vipps-System-Name", "Vipps-System-Version", "Vipps-System-Plugin-Name", "Vipps-System-Plugin-Version"] {
            if let value = header(request, name), value.count > 30 {
                check.fail(name, "Must be at most 30 characters long.")
            }
        }
        try check.finish()
        let body = try JSONValue.parse(bytes)
        return APIRequest(msn: msn ?? "", subscriptionKey: subscriptionKey, idempotencyKey: idempotencyKey, body: body)
    }

    /// Validates the path's reference (spec parameter `Payment-Reference-ID`).
    static func reference(_ text: String) throws(Problem) -> String {
        var check = FieldValidator()
        _ = check.reference(.string(text), "Reference")
        try check.finish()
        return text
    }
}
