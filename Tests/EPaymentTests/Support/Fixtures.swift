import EPayment
import Testing

enum Fixture {
    static let reference = "charge-4711-a"
    static func nok(_ value: Int64) -> Amount { Amount(value: value, currency: .nok) }

    static func aggregate(authorized: Int64 = 50_000, captured: Int64 = 0, cancelled: Int64 = 0, refunded: Int64 = 0) -> String {
        #"{"authorizedAmount":{"currency":"NOK","value":\#(authorized)},"cancelledAmount":{"currency":"NOK","value":\#(cancelled)},"capturedAmount":{"currency":"NOK","value":\#(captured)},"refundedAmount":{"currency":"NOK","value":\#(refunded)}}"#
    }

    static func modification(state: String = "AUTHORIZED", captured: Int64 = 0, cancelled: Int64 = 0, refunded: Int64 = 0) -> String {
        #"{"amount":{"currency":"NOK","value":50000},"state":"\#(state)","aggregate":\#(aggregate(captured: captured, cancelled: cancelled, refunded: refunded)),"pspReference":"psp-mod-1","reference":"\#(reference)"}"#
    }

    static let payment = #"{"aggregate":\#(aggregate()),"amount":{"currency":"NOK","value":50000},"state":"AUTHORIZED","paymentMethod":{"type":"WALLET","cardBin":"540185"},"profile":{"sub":"sub-1"},"pspReference":"psp-1","redirectUrl":"https://landing.vipps.no?token=abc","reference":"\#(reference)","metadata":{"charger":"12"}}"#

    /// The headers every ePayment call must carry (spec parameters), with the token the fake server issued.
    static func expectCommonHeaders(
        _ request: RecordedRequest, token: String = "token-1", sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(request.headers["authorization"] == "Bearer \(token)", sourceLocation: sourceLocation)
        #expect(request.headers["ocp-apim-subscription-key"] == "subscription-key-ABC", sourceLocation: sourceLocation)
        #expect(request.headers["merchant-serial-number"] == "123456", sourceLocation: sourceLocation)
        #expect(request.headers["vipps-system-name"] == "evflow", sourceLocation: sourceLocation)
        #expect(request.headers["vipps-system-version"] == "9.9.9", sourceLocation: sourceLocation)
        #expect(request.headers["vipps-system-plugin-name"] == "evflow-tests", sourceLocation: sourceLocation)
        #expect(request.headers["vipps-system-plugin-version"] == "0.1", sourceLocation: sourceLocation)
    }

    static func expectJSONPost(
        _ request: RecordedRequest, key: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(request.method == "POST", sourceLocation: sourceLocation)
        #expect(request.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
        #expect(request.headers["idempotency-key"] == key, sourceLocation: sourceLocation)
    }
}
