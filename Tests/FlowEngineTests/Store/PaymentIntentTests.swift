import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// Intents are stored as plain objects of values, told apart by their keys (``PaymentIntent``): every shape any
/// version wrote decodes to its kind and encodes back to the same text, and no other shape decodes.
struct PaymentIntentTests {
    static let money = #"{"currency": "NOK", "type": "money", "value": 30000}"#

    static func decode(_ json: String) throws -> PaymentIntent {
        try StateFileCoding.decoder().decode(PaymentIntent.self, from: Data(json.utf8))
    }

    static func encode(_ intent: PaymentIntent) throws -> String {
        String(decoding: try StateFileCoding.encoder().encode(intent), as: UTF8.self)
    }

    @Test(arguments: [
        PaymentIntent.reserve(ReserveIntent(amount: Money(minorUnits: 50_000, currency: "NOK"), reference: "ev-s1")),
        .capture(CaptureIntent(amount: Money(minorUnits: 300, currency: "DKK"), owed: Money(minorUnits: 500, currency: "DKK"),
                               alreadyCaptured: Money(minorUnits: 200, currency: "DKK"))),
        .refund(RefundIntent(amount: Money(minorUnits: 1, currency: "NOK"), owed: Money(minorUnits: 1, currency: "NOK"),
                             alreadyRefunded: Money(minorUnits: 0, currency: "NOK"))),
        .release,
        .amountOnly(Money(minorUnits: 4_788, currency: "NOK")),
    ])
    func everyKindRoundTripsAsTheObjectOfValuesEarlierVersionsWrote(_ intent: PaymentIntent) throws {
        let text = try Self.encode(intent)
        #expect(try Self.decode(text) == intent)
        // The same text as the untyped form, a dictionary of values, encodes to: earlier versions read it.
        let untyped = try StateFileCoding.decoder().decode([String: Value].self, from: Data(text.utf8))
        #expect(String(decoding: try StateFileCoding.encoder().encode(untyped), as: UTF8.self) == text)
    }

    @Test func theShapesAreToldApartByTheirKeys() throws {
        let nok = Money(minorUnits: 30_000, currency: "NOK")
        #expect(try Self.decode(#"{"amount": \#(Self.money), "reference": {"type": "string", "value": "ev-1"}}"#)
            == .reserve(ReserveIntent(amount: nok, reference: "ev-1")))
        #expect(try Self.decode(#"{"amount": \#(Self.money), "owed": \#(Self.money), "alreadyCaptured": \#(Self.money)}"#)
            == .capture(CaptureIntent(amount: nok, owed: nok, alreadyCaptured: nok)))
        #expect(try Self.decode(#"{"amount": \#(Self.money), "owed": \#(Self.money), "alreadyRefunded": \#(Self.money)}"#)
            == .refund(RefundIntent(amount: nok, owed: nok, alreadyRefunded: nok)))
        #expect(try Self.decode("{}") == .release)
        // A capture or refund before the money ledger recorded its amount alone.
        #expect(try Self.decode(#"{"amount": \#(Self.money)}"#) == .amountOnly(nok))
        #expect(try Self.decode(#"{"amount": \#(Self.money)}"#).amount == nok)
        #expect(PaymentIntent.release.amount == nil && PaymentIntent.release.reservation == nil)
    }

    @Test(arguments: [
        #"{"reference": {"type": "string", "value": "ev-1"}}"#,
        #"{"amount": {"type": "integer", "value": 30000}}"#,
        #"{"amount": \#(money), "reference": \#(money)}"#,
        #"{"amount": \#(money), "owed": \#(money)}"#,
        #"{"amount": \#(money), "owed": \#(money), "alreadyCaptured": \#(money), "alreadyRefunded": \#(money)}"#,
        #"{"amount": \#(money), "note": {"type": "string", "value": "hand-edited"}}"#,
        #"{"note": {"type": "string", "value": "hand-edited"}}"#,
        #"[]"#,
    ])
    func aShapeNoVersionWritesDoesNotDecode(_ json: String) {
        #expect(throws: DecodingError.self) { try Self.decode(json) }
    }

    @Test func aStateFileWithABadIntentIsSetAsideNamingIt() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            var instance = InstanceSamples.instance("bad-intent")
            var record = StepRecord(step: "reserve", visit: 1, enteredAt: instance.createdAt)
            record.idempotencyKey = "key-1"
            record.intent = .reserve(ReserveIntent(amount: Money(minorUnits: 1_000, currency: "NOK"), reference: "ev-bad-intent"))
            instance.steps = [record]
            try store.save(instance)
            let path = layout.instanceFile("bad-intent")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "\"ev-bad-intent\"", with: "42").write(toFile: path, atomically: true, encoding: .utf8)
            let error = try #require(throws: StoreError.self) { try store.load("bad-intent") }
            #expect(error.code == .corrupt)
            #expect(error.detail.contains("intent"), "\(error.detail)")
        }
    }
}
