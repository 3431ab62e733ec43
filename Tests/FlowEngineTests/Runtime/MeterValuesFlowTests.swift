import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// OCPP messages forwarded unchanged to the shipped EV flow (through ``FlowRunner/meterValues(instanceID:json:)``),
/// against the simulator over real sockets on virtual time: the money captured is checked in its ledger.
@Suite("OCPP meter values into the EV flow")
struct MeterValuesFlowTests {
    static let transaction = "f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

    static func timeline(_ bed: FlowTestBed, _ id: String) throws -> [String] {
        try bed.instance(id).history.filter { $0.event == "meter" }.compactMap(\.detail)
    }

    @Test func ocpp201SessionWithAMultiplierADuplicateARegressionAndAGapBillsTheHighestReading() async throws {
        try await withFlowTestBed(flows: Repository.flows) { bed in
            let id = "ocpp201-session"
            try await EVChargingFlowTests.startCharging(bed, id: id, inputs: EVChargingFlowTests.inputs(startFee: 490))
            let started = try await bed.meterValues(id, OCPPMessages.transactionEvent201(eventType: "Started", seqNo: 0, value: "0"))
            #expect(started.accepted && started.signal == "meterReading" && started.energyWh == 0)
            // 52000 × 10^-1 Wh = 5200 Wh.
            let first = try await bed.meterValues(id, OCPPMessages.transactionEvent201(seqNo: 1, value: "52000", unit: "Wh", multiplier: -1))
            #expect(first.energyWh == 5200 && first.accepted)
            // The station backend forwards the same message again: nothing changes.
            let duplicate = try await bed.meterValues(id, OCPPMessages.transactionEvent201(seqNo: 1, value: "52000", unit: "Wh", multiplier: -1))
            #expect(duplicate.accepted == false)
            #expect(duplicate.signalID == first.signalID)
            // 12.0005 kWh = 12000.5 Wh, rounded down.
            let second = try await bed.meterValues(id, OCPPMessages.transactionEvent201(seqNo: 2, value: "12.0005", unit: "kWh"))
            #expect(second.energyWh == 12_000 && second.exactWattHours == "12000.5")
            // seqNo 3 and 4 never arrive, and 5 reads lower than 12000 Wh (a meter reset, say).
            let lower = try await bed.meterValues(id, OCPPMessages.transactionEvent201(seqNo: 5, value: "9.5", unit: "kWh"))
            #expect(lower.accepted && lower.energyWh == 9500)
            #expect(try bed.instance(id).variables["energyWh"] == .integer(12_000), "a lower reading never lowers the energy")
            let ended = try await bed.meterValues(id, OCPPMessages.transactionEvent201(eventType: "Ended", seqNo: 6, value: "18.75", unit: "kWh"))
            #expect(ended.signal == "sessionEnded" && ended.ended)

            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded)
            #expect(instance.output?["energyWh"] == .integer(18_750))
            let lines = try Self.timeline(bed, id)
            #expect(lines.contains { $0.contains("seqNo 2") && $0.contains("12000.5 Wh rounded down to whole Wh") }, "\(lines)")
            #expect(lines.contains { $0.contains("seqNo gap: 5 after 2; seqNo 3...4 are missing") }, "\(lines)")
            #expect(lines.contains { $0.contains("reading 9500 Wh is below 12000 Wh already seen") }, "\(lines)")
            #expect(instance.history.filter { $0.event == "received" && $0.detail?.contains(first.signalID) == true }.count == 1)
            // 18.750 kWh × 3.99 NOK/kWh = 74.81 NOK (half-up) + 4.90 NOK start fee, captured once.
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: id)))
            #expect(payment.aggregate.captured == 7971)
            #expect(payment.aggregate.cancelled == 50_000 - 7971)
            #expect(payment.events(named: "CAPTURED").count == 1)
        }
    }

    @Test func ocpp16TransactionEndEndsTheSessionAndAnEndedEventWithoutASampleKeepsTheEnergy() async throws {
        try await withFlowTestBed(flows: Repository.flows) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "ocpp16-session")
            _ = try await bed.meterValues("ocpp16-session", OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "2.1005"))
            _ = try await bed.meterValues("ocpp16-session", OCPPMessages.meterValues16(timestamp: "2026-11-27T13:46:00Z", value: "12.0", context: "Transaction.End"))
            #expect(try bed.instance("ocpp16-session").status == .succeeded)
            // 12 kWh at 3.99 NOK/kWh = 47.88 NOK.
            #expect(bed.ledger.payment(reference: try bed.reference(of: "ocpp16-session"))?.aggregate.captured == 4788)
        }
        try await withFlowTestBed(flows: Repository.flows) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "ocpp201-bare-end")
            _ = try await bed.meterValues("ocpp201-bare-end", OCPPMessages.transactionEvent201(seqNo: 1, value: "12000"))
            let end = try await bed.meterValues("ocpp201-bare-end", OCPPMessages.transactionEvent201(eventType: "Ended", seqNo: 2, value: nil))
            #expect(end.energyWh == nil && end.ended)
            #expect(try bed.instance("ocpp201-bare-end").output?["energyWh"] == .integer(12_000))
            #expect(try Self.timeline(bed, "ocpp201-bare-end").contains { $0.contains("without an energy sample; the energy stays at 12000 Wh") })
        }
    }

    @Test func a201EventWithoutAnEnergySampleIsIgnoredButItsSeqNoIsTakenInSoNoGapIsReported() async throws {
        try await withFlowTestBed(flows: Repository.flows) { bed in
            let id = "ocpp201-state-changes"
            try await EVChargingFlowTests.startCharging(bed, id: id)
            _ = try await bed.meterValues(id, OCPPMessages.transactionEvent201(eventType: "Started", seqNo: 0, value: "0"))
            // The EV suspends charging: an Updated event with no meter value, as the station sends it.
            let suspended = OCPPMessages.transactionEvent201(seqNo: 1, value: nil, triggerReason: "ChargingStateChanged")
            let ignored = try await bed.meterValues(id, suspended)
            #expect(ignored.accepted == false && ignored.energyWh == nil && !ignored.ended)
            #expect(ignored.ignored?.contains("no Energy.Active.Import.Register sample") == true, "\(ignored)")
            let again = try await bed.meterValues(id, suspended)
            #expect(again.accepted == false && again.ignored != nil && again.signalID == ignored.signalID)
            let reading = try await bed.meterValues(id, OCPPMessages.transactionEvent201(seqNo: 2, value: "4200"))
            #expect(reading.accepted && reading.energyWh == 4200)
            #expect(try bed.instance(id).variables["energyWh"] == .integer(4200))
            let lines = try Self.timeline(bed, id)
            #expect(!lines.contains { $0.contains("seqNo gap") }, "\(lines)")
            #expect(lines.filter { $0.contains("its seqNo 1 is noted") }.count == 1, "\(lines)")
            #expect(try bed.instance(id).meter?.lastSequenceNumber == 2)
            // The Ended event without a sample still ends the session, at the energy seen.
            let end = try await bed.meterValues(id, OCPPMessages.transactionEvent201(eventType: "Ended", seqNo: 3, value: nil))
            #expect(end.accepted && end.ignored == nil && end.signal == "sessionEnded")
            #expect(try bed.instance(id).status == .succeeded)
            #expect(try bed.instance(id).output?["energyWh"] == .integer(4200))
        }
    }

    @Test func ocpp16StopTransactionEndsTheSessionAtMeterStopAndNeverLowersTheEnergy() async throws {
        try await withFlowTestBed(flows: Repository.flows) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "ocpp16-stop")
            _ = try await bed.meterValues("ocpp16-stop", OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "2.1005"))
            let stop = try await bed.meterValues("ocpp16-stop", OCPPMessages.stopTransaction16(meterStop: "12000", endSample: "12.000"))
            #expect(stop.accepted && stop.signal == "sessionEnded" && stop.ended && stop.energyWh == 12_000 && stop.signalID == "ocpp1.6/4711/stop")
            #expect(try bed.instance("ocpp16-stop").status == .succeeded)
            // 12 kWh at 3.99 NOK/kWh = 47.88 NOK.
            #expect(bed.ledger.payment(reference: try bed.reference(of: "ocpp16-stop"))?.aggregate.captured == 4788)
            // The backend forwards it again after a restart of its own: nothing changes.
            let again = try await bed.meterValues("ocpp16-stop", OCPPMessages.stopTransaction16(meterStop: "12000", endSample: "12.000"))
            #expect(again.accepted == false && again.signalID == stop.signalID)
        }
        try await withFlowTestBed(flows: Repository.flows) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "ocpp16-stop-low")
            _ = try await bed.meterValues("ocpp16-stop-low", OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "9.999"))
            // A meterStop below a reading already taken (a meter reset, say) never lowers the energy billed.
            _ = try await bed.meterValues("ocpp16-stop-low", OCPPMessages.stopTransaction16(meterStop: "9000"))
            #expect(try bed.instance("ocpp16-stop-low").output?["energyWh"] == .integer(9999))
            #expect(try Self.timeline(bed, "ocpp16-stop-low").contains { $0.contains("reading 9000 Wh is below 9999 Wh already seen") })
        }
    }

    /// A flow that takes each reading as it comes (no `max` of its own): a lower reading still never lowers it.
    static let plainMeteringFlow = #"""
    {
      "name": "plain-metering", "version": 1,
      "variables": { "energyWh": { "type": "integer", "initial": "0" } },
      "signals": { "reading": { "fields": { "wh": "integer" } }, "end": { "fields": { "wh": "integer" } } },
      "meterValues": { "reading": "reading", "ended": "end", "energyField": "wh" },
      "steps": [
        { "id": "meter", "kind": "awaitSignal", "timeout": "12h", "onTimeout": "done",
          "on": { "reading": { "assign": { "energyWh": "signal.wh" } }, "end": { "assign": { "energyWh": "signal.wh" }, "next": "done" } } },
        { "id": "done", "kind": "succeed", "output": { "energyWh": "vars.energyWh" } }
      ]
    }
    """#

    @Test func anyFlowCanTakeMeterValuesAndALowerReadingNeverLowersItsEnergy() async throws {
        let folder = try TemporaryFolder.make("meter-flows")
        defer { TemporaryFolder.remove(folder) }
        try Self.plainMeteringFlow.write(to: folder.appending(path: "plain-metering.json"), atomically: true, encoding: .utf8)
        try await withFlowTestBed(flows: folder) { bed in
            try await bed.start("plain-metering", id: "plain", inputs: [:])
            let high = try await bed.meterValues("plain", OCPPMessages.transactionEvent201(seqNo: 1, value: "7.5", unit: "kWh"))
            #expect(high.signal == "reading")
            _ = try await bed.meterValues("plain", OCPPMessages.transactionEvent201(seqNo: 2, value: "7000"))
            #expect(try bed.instance("plain").variables["energyWh"] == .integer(7500))
            let end = try await bed.meterValues("plain", OCPPMessages.transactionEvent201(eventType: "Ended", seqNo: 3, value: "6000"))
            #expect(end.signal == "end")
            #expect(try bed.instance("plain").output?["energyWh"] == .integer(7500))
            #expect(try Self.timeline(bed, "plain").filter { $0.contains("below 7500 Wh already seen") }.count == 2)
        }
    }

    @Test func anotherTransactionAndAFlowWithoutAMappingAreRefused() async throws {
        try await withFlowTestBed(flows: Repository.flows) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "bound")
            _ = try await bed.meterValues("bound", OCPPMessages.transactionEvent201(seqNo: 1, transactionID: "tx-A", value: "100"))
            #expect {
                try bed.runner.meterValues(instanceID: "bound", json: OCPPMessages.transactionEvent201(seqNo: 2, transactionID: "tx-B", value: "200"))
            } throws: { error in
                let refusal = error as? MeterValuesError
                return refusal?.code == .transactionMismatch && refusal?.field == "$.transactionInfo.transactionId"
            }
            #expect(try bed.instance("bound").variables["energyWh"] == .integer(100))
            #expect(try bed.instance("bound").pendingSignals.isEmpty)

            try await bed.start("fixed-price", id: "no-mapping", inputs: ["phoneNumber": .phoneNumber("4791234567"), "price": .money(Money(minorUnits: 15_000, currency: "NOK"))])
            #expect {
                try bed.runner.meterValues(instanceID: "no-mapping", json: OCPPMessages.transactionEvent201(seqNo: 1, value: "1"))
            } throws: { error in
                (error as? FlowError)?.code == .unknownSignal && "\(error)".contains("declares no \"meterValues\" mapping")
            }
        }
    }
}
