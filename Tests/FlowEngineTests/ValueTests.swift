import Foundation
import Testing

@testable import FlowEngine

struct ValueTests {
    @Test(arguments: [
        (Value.money(Money(minorUnits: 1050, currency: "NOK")), #"{"currency":"NOK","type":"money","value":1050}"#),
        (.integer(-42), #"{"type":"integer","value":-42}"#),
        (.duration(FlowDuration(milliseconds: 5_400_250)), #"{"type":"duration","value":"1h30m250ms"}"#),
        (.duration(FlowDuration(milliseconds: -5000)), #"{"type":"duration","value":"-5s"}"#),
        (.boolean(true), #"{"type":"boolean","value":true}"#),
        (.string("a"), #"{"type":"string","value":"a"}"#),
        (.phoneNumber("4791234567"), #"{"type":"phoneNumber","value":"4791234567"}"#),
    ] as [(Value, String)])
    func valuesRoundTripAsReadableJSON(value: Value, json: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(value), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode(Value.self, from: Data(json.utf8)) == value)
    }

    @Test func badStoredDurationIsADecodingError() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Value.self, from: Data(#"{"type":"duration","value":"5 s"}"#.utf8)) }
    }

    @Test func moneyAndPhoneNumbersPrintSafely() {
        #expect(Money(minorUnits: 1050, currency: "NOK").description == "10.50 NOK")
        #expect(Money(minorUnits: -5, currency: "EUR").description == "-0.05 EUR")
        #expect(Value.phoneNumber("4791234567").description == "••••••••67")
    }

    @Test func retryBackoffGrowsAndIsCapped() {
        let policy = StepRetryPolicy(maxAttempts: 6, initialBackoff: .seconds(1), maxBackoff: .seconds(5), multiplier: 2, jitter: .equal, retryOn: [.retryable])
        #expect((2...6).map { policy.backoff(beforeAttempt: $0).milliseconds } == [1000, 2000, 4000, 5000, 5000])
        #expect(policy.delay(beforeAttempt: 4, using: { $0.upperBound }).milliseconds == 4000)
        #expect(policy.delay(beforeAttempt: 4, using: { $0.lowerBound }).milliseconds == 2000)
    }
}
