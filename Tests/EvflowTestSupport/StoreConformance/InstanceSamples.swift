import FlowEngine
import Foundation

/// Sample instances and signals for store tests: every field set and every kind of value, so a store that drops
/// or rounds anything fails a round trip.
package enum InstanceSamples {
    /// A moment with whole milliseconds.
    package static let start = Date(timeIntervalSince1970: 1_795_000_000.125)

    /// An instance with every field set and every value kind in inputs, variables, outputs and signals.
    package static func instance(_ id: String = "session-1", variables extra: [String: Value] = [:]) -> FlowInstance {
        let every: [String: Value] = [
            "integer": .integer(-42),
            "big": .integer(Int64.max),
            "money": .money(Money(minorUnits: 50_000, currency: "NOK")),
            "flag": .boolean(true),
            "off": .boolean(false),
            "text": .string("quoted \"ø\" / \\ text"),
            "wait": .duration(FlowDuration(milliseconds: 5_400_250)),
            "backwards": .duration(FlowDuration(milliseconds: -5000)),
            "phone": .phoneNumber("4791234567"),
        ]
        var instance = FlowInstance(
            id: id,
            flow: pinned(name: "ev-charging", version: 3, contentHash: String(repeating: "ab", count: 32)),
            inputs: every, inputDigest: "digest-\(id)", variables: every.merging(extra) { $1 }, start: "reserve", at: start)
        instance.status = .waiting
        // Not whole milliseconds: the store must give back exactly the Date it was given.
        instance.updatedAt = Date(timeIntervalSinceReferenceDate: 816_692_800.123_456_7)
        instance.wakeAt = start.addingTimeInterval(0.1 + 0.2)
        instance.payment = {
            var payment = PaymentSummary(reference: "evflow-\(id)", state: "AUTHORIZED", currency: "NOK", reserved: 50_000)
            payment.authorized = 50_000
            payment.captured = 12_345
            return payment
        }()
        instance.failure = .init(code: FailureCode(rawValue: "payment.notAuthorized"), message: "aborted by the user", step: "authorize")
        instance.cancellationRequest = "operator: station offline"
        instance.output = ["charged": .money(Money(minorUnits: 12_345, currency: "NOK"))]
        instance.stepOutputs = ["reserve": every]
        var record = StepRecord(step: "capture", visit: 2, enteredAt: start.addingTimeInterval(60))
        record.attempts = 3
        record.idempotencyKey = "key-\(id)-capture-2"
        record.intent = .capture(CaptureIntent(amount: Money(minorUnits: 12_345, currency: "NOK"), owed: Money(minorUnits: 20_000, currency: "NOK"),
                                               alreadyCaptured: Money(minorUnits: 7_655, currency: "NOK")))
        record.completedAt = start.addingTimeInterval(61.5)
        record.lastError = "HTTP 503 from ePayment"
        record.nextAttemptAt = start.addingTimeInterval(62)
        instance.steps = [StepRecord(step: "reserve", visit: 1, enteredAt: start), record]
        instance.pendingSignals = [signal("m-1", at: start.addingTimeInterval(30), data: every)]
        instance.consumedSignals = ["meterReading": [every, ["kwh": .integer(7)]]]
        instance.seenSignalIDs = ["m-0", "m-1"]
        instance.anchors = ["start": start, "reserve": start.addingTimeInterval(1)]
        instance.firedDeadlines = ["release-by"]
        instance.log("signal", step: "meter", "meterReading m-1", at: start.addingTimeInterval(30))
        return instance
    }

    /// A pinned definition. Its memberwise initializer is internal to FlowEngine, and this target does not
    /// `@testable import` (it builds in release too), so it is decoded the way a state file gives it.
    package static func pinned(name: String, version: Int, contentHash: String) -> FlowInstance.PinnedDefinition {
        let json = #"{"name": "\#(name)", "version": \#(version), "contentHash": "\#(contentHash)"}"#
        do {
            return try JSONDecoder().decode(FlowInstance.PinnedDefinition.self, from: Data(json.utf8))
        } catch {
            preconditionFailure("a pinned definition does not decode from \(json): \(error)")
        }
    }

    /// A signal as received.
    package static func signal(_ id: String, name: String = "meterReading", at time: Date = start,
                               data: [String: Value] = ["kwh": .integer(1)]) -> ReceivedSignal {
        ReceivedSignal(id: id, name: name, data: data, receivedAt: time)
    }
}
