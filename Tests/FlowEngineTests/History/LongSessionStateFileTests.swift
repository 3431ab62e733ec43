import EPaymentSimulator
import EvflowTestSupport
import FlowTesting
import Foundation
import Testing

@testable import FlowEngine

/// A 10-hour session with a reading every minute, through the shipped EV flow on the test bed: the state file
/// stays small (``HistoryFolding``), the timeline still accounts for every reading, and what the store serves
/// from memory (``DecodedInstanceCache``) is what a fresh decode of the file gives.
@Suite("A 10-hour session with a reading a minute")
struct LongSessionStateFileTests {
    /// Before folding, this session's file was about 260 KB at the last reading (two timeline lines of ~150 bytes
    /// per reading); now the timeline stops growing after the fourth reading, and what still grows is the
    /// signals the flow used (`signals.meterReading` in expressions) and the ids kept to refuse duplicates.
    static let boundAtTheLastReading = 100_000

    @Test func theStateFileStaysSmallAndTheTimelineCountsEveryReading() async throws {
        try await withFlowTestBed(flows: Repository.flows, fsyncs: false) { bed in
            let id = "ten-hours"
            try await EVChargingFlowTests.startCharging(bed, id: id)
            let file = bed.stateDirectory.appending(path: "instances/\(id).json")
            var sizes: [Int: Int] = [:]
            for minute in 1...600 {
                try await bed.advance(by: .seconds(60))
                try await bed.signal(id, "meterReading", ["energyWh": .integer(Int64(minute) * 100)], signalID: "r-\(minute)")
                if minute == 60 || minute == 600 { sizes[minute] = try Data(contentsOf: file).count }
            }
            let last = try #require(sizes[600]), early = try #require(sizes[60])
            #expect(last < Self.boundAtTheLastReading, "the file is \(last) bytes after 600 readings")
            #expect(last - early < 540 * 150, "\(last - early) bytes more for 540 more readings")

            let instance = try bed.instance(id)
            #expect(instance.history.count < 40, "\(instance.history.map(\.timelineText).joined(separator: "\n"))")
            let received = instance.history.filter { $0.event == "received" && ($0.detail ?? "").contains("meterReading") }
            #expect(received.map(\.occurrences).reduce(0, +) == 600, "every reading is accounted for")
            #expect(received.last?.detail == "signal meterReading r-600")
            #expect(instance.consumedSignals["meterReading"]?.count == 600, "signals.meterReading still holds every reading")

            // What the runtime's store answers from memory equals a fresh decode of the file by another store.
            let fresh = try FileInstanceStore(stateDirectory: bed.stateDirectory).load(id)
            #expect(fresh == instance)

            try await bed.signal(id, "sessionEnded", ["energyWh": .integer(60_000)], signalID: "end")
            let finished = try bed.instance(id)
            #expect(finished.status == .succeeded)
            // 60 kWh × 3.99 NOK/kWh = 239.40 NOK, captured once, the rest released.
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: id)))
            #expect(payment.aggregate.captured == 23_940)
            #expect(payment.aggregate.cancelled == 50_000 - 23_940)
            #expect(payment.events(named: "CAPTURED").count == 1)
        }
    }
}
