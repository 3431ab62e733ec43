import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// The shipped EV-charging flow against the simulator over real sockets, on virtual time.
@Suite("EV charging flow end to end")
struct EVChargingFlowTests {
    static var flows: URL { Repository.flows }

    static func inputs(max: Int64 = 50_000, pricePerKWh: Int64 = 399, startFee: Int64 = 0) -> [String: Value] {
        [
            "phoneNumber": .phoneNumber("4791234567"),
            "maxAmount": .money(Money(minorUnits: max, currency: "NOK")),
            "pricePerKWh": .money(Money(minorUnits: pricePerKWh, currency: "NOK")),
            "startFee": .money(Money(minorUnits: startFee, currency: "NOK")),
        ]
    }

    /// Starts a session and has the customer approve it, leaving the flow metering.
    static func startCharging(_ bed: FlowTestBed, id: String, inputs: [String: Value] = inputs()) async throws {
        try await bed.start("ev-charging", id: id, inputs: inputs)
        try await bed.advance(by: .seconds(3))
        try await bed.approve(id)
        try await bed.advance(by: .seconds(10))
        #expect(try bed.instance(id).currentStep == "meter")
        #expect(bed.station.events == ["charging.start"])
    }

    @Test func partialCaptureThenRelease() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await Self.startCharging(bed, id: "session-partial")
            try await bed.signal("session-partial", "meterReading", ["energyWh": .integer(5_000)], signalID: "r1")
            try await bed.advance(by: .seconds(3600))
            try await bed.signal("session-partial", "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")

            let instance = try bed.instance("session-partial")
            #expect(instance.status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "session-partial")))
            // 12 kWh at 3.99 NOK/kWh = 47.88 NOK, captured once; the other 452.12 NOK released.
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.aggregate.cancelled == 45_212)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(instance.payment?.captured == 4_788)
            #expect(instance.payment?.held == 0)
            #expect(bed.station.events == ["charging.start", "charging.completed"])
        }
    }

    @Test func durableWritesPerSessionAreFewAndCounted() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            let before = bed.store.statistics
            try await Self.startCharging(bed, id: "session-count")
            try await bed.signal("session-count", "meterReading", ["energyWh": .integer(5_000)])
            try await bed.signal("session-count", "sessionEnded", ["energyWh": .integer(12_000)])
            #expect(try bed.instance("session-count").status == .succeeded)
            let after = bed.store.statistics
            let writes = after.durableWrites - before.durableWrites
            let fsyncs = after.fsyncs - before.fsyncs
            print("EV session (2 signals, 2 notifications): \(writes) durable writes, \(fsyncs) fsyncs")
            #expect(writes > 0 && writes <= 30)
            #expect(fsyncs >= writes)
        }
    }

    @Test func waitingForApprovalSavesAHeartbeatNotEveryPoll() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await bed.start("ev-charging", id: "session-slow", inputs: Self.inputs())
            try await bed.advance(by: .seconds(10))
            #expect(try bed.instance("session-slow").currentStep == "authorize")
            let before = bed.store.statistics
            // Five minutes of polling every 2 s (the payment expires after ten): 150 polls that all find the
            // payment still CREATED.
            try await bed.advance(by: .seconds(300))
            let writes = bed.store.statistics.durableWrites - before.durableWrites
            print("5 minutes awaiting approval (150 polls): \(writes) durable writes")
            #expect(writes >= 8 && writes <= 12, "expected one save per 30 s heartbeat, got \(writes)")
            let saved = try bed.instance("session-slow")
            #expect(bed.now.timeIntervalSince(saved.updatedAt) <= 32)
            try await bed.approve("session-slow")
            try await bed.advance(by: .seconds(5))
            #expect(try bed.instance("session-slow").currentStep == "meter")
        }
    }

    @Test func zeroUsageCapturesNothingAndReleasesAll() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await Self.startCharging(bed, id: "session-zero", inputs: Self.inputs(startFee: 500))
            try await bed.signal("session-zero", "sessionEnded", ["energyWh": .integer(0)])
            #expect(try bed.instance("session-zero").status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "session-zero")))
            #expect(payment.aggregate.captured == 0)
            #expect(payment.aggregate.cancelled == 50_000)
            #expect(payment.events(named: "CAPTURED").isEmpty)
        }
    }

    @Test func costCapStopsChargingAndCapturesTheReservation() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await Self.startCharging(bed, id: "session-cap", inputs: Self.inputs(max: 5_000))
            try await bed.signal("session-cap", "meterReading", ["energyWh": .integer(10_000)])
            #expect(try bed.instance("session-cap").status == .waiting)
            try await bed.signal("session-cap", "meterReading", ["energyWh": .integer(12_600)])
            let instance = try bed.instance("session-cap")
            #expect(instance.status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "session-cap")))
            #expect(payment.aggregate.captured == 5_000)
            #expect(payment.aggregate.cancelled == 0)
            #expect(bed.station.events == ["charging.start", "charging.stop", "charging.completed"])
        }
    }

    @Test func customerAbortEndsWithoutCharging() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await bed.start("ev-charging", id: "session-abort", inputs: Self.inputs())
            try await bed.reject("session-abort")
            try await bed.advance(by: .seconds(10))
            let instance = try bed.instance("session-abort")
            #expect(instance.status == .failed)
            #expect(instance.failure?.code.rawValue == "payment.notAuthorized")
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "session-abort")))
            #expect(payment.state == "ABORTED")
            #expect(payment.aggregate.captured == 0)
            #expect(bed.station.events == ["payment.notAuthorized"])
        }
    }

    @Test func paymentExpiryEndsWithoutCharging() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await bed.start("ev-charging", id: "session-expire", inputs: Self.inputs())
            try await bed.advance(by: .seconds(11 * 60))
            let instance = try bed.instance("session-expire")
            #expect(instance.status == .failed)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "session-expire")))
            #expect(payment.state == "EXPIRED")
            #expect(payment.aggregate.captured == 0)
        }
    }

    @Test func stationNeverReportsTheEndSoTheDeadlineSettles() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await Self.startCharging(bed, id: "session-silent")
            try await bed.signal("session-silent", "meterReading", ["energyWh": .integer(3_000)])
            try await bed.advance(by: .seconds(13 * 3600))
            let instance = try bed.instance("session-silent")
            #expect(instance.status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "session-silent")))
            #expect(payment.aggregate.captured == 1_197)
            #expect(payment.aggregate.cancelled == 50_000 - 1_197)
            #expect(bed.station.events == ["charging.start", "charging.stop", "charging.completed"])
        }
    }

    @Test func phoneNumberIsNotKeptOnceThePaymentExists() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await bed.start("ev-charging", id: "session-phone", inputs: Self.inputs())
            let file = bed.stateDirectory.appendingPathComponent("instances/session-phone.json")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains("4791234567"))
            #expect(try bed.instance("session-phone").payment != nil)
        }
    }
}
