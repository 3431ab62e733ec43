import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// `evflow meter-values`, as a station backend's script uses it: the message file as the station sent it.
    @Suite("evflow meter-values")
    struct MeterValuesCommandTests {
        struct Receipt: Decodable {
            var accepted: Bool
            var signal: String
            var energyWh: Int?
            var exactWattHours: String?
        }

        @Test func storesTheReadingIgnoresARepeatAndRefusesABadMessageNamingTheField() async throws {
            try await CLITestBed.with(autoApprove: nil) { bed in
                let evflow = bed.evflow
                let started = try await evflow("start", "ev-charging", "--id", "s-ocpp", "--input", CLITestBed.sessionInputs)
                #expect(started.status == 0, "\(started)")
                let message = try bed.writeFile("event.json", OCPPMessages.transactionEvent201(seqNo: 1, value: "21005", unit: "Wh", multiplier: -1))
                let stored = try await evflow("meter-values", "s-ocpp", "--data", "@\(message.path)")
                #expect(stored.status == 0, "\(stored)")
                #expect(stored.stdout.contains("meterReading stored for s-ocpp: 2100 Wh (2100.5 Wh rounded down)"), "\(stored)")
                let repeated = try await evflow("meter-values", "s-ocpp", "--data", "@\(message.path)", "--json")
                #expect(repeated.status == 0, "\(repeated)")
                let receipt = try repeated.decode(Receipt.self)
                #expect(receipt.accepted == false && receipt.signal == "meterReading" && receipt.energyWh == 2100)
                // A state change without an energy sample: stored for its seqNo, reported as ignored, exit 0.
                let stateChange = try await evflow("meter-values", "s-ocpp", "--data",
                                                   OCPPMessages.transactionEvent201(seqNo: 2, value: nil, triggerReason: "ChargingStateChanged"))
                #expect(stateChange.status == 0, "\(stateChange)")
                #expect(stateChange.stdout.contains("for s-ocpp ignored: TransactionEvent Updated carries no Energy.Active.Import.Register sample"), "\(stateChange)")

                let bad = try await evflow("meter-values", "s-ocpp", "--data", OCPPMessages.meterValues16(value: "2,5"))
                #expect(bad.status == 2, "\(bad)")
                #expect(bad.stderr.contains("$.meterValue[0].sampledValue[4].value"), "\(bad)")
                let unknown = try await evflow("meter-values", "nobody", "--data", OCPPMessages.meterValues16(value: "1"))
                #expect(unknown.status == 3, "\(unknown)")
            }
        }
    }
}
