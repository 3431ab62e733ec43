import FlowEngine
import Foundation
import Testing

extension EvflowCLITests {
    /// The library code behind the commands, in-process: typed JSON inputs and stuck diagnoses.
    @Suite("operator library")
    struct OperatorLibraryTests {
        static let evCharging = CLITestBed.repository.appending(path: "flows/ev-charging.json")

        @Test func jsonInputsAreTypedByTheDeclaredInputs() throws {
            let definition = try FlowDefinitionLoader().load(fileAt: Self.evCharging)
            let inputs = try definition.inputs(fromJSON: Data(#"""
                {"phoneNumber": "4791234567", "maxAmount": {"value": 50000, "currency": "NOK"}, "maxSessionDuration": "1h30m",
                 "pricePerKWh": {"value": 399, "currency": "NOK"}}
                """#.utf8))
            #expect(inputs["maxAmount"] == .money(Money(minorUnits: 50_000, currency: "NOK")))
            #expect(inputs["maxSessionDuration"] == .duration(FlowDuration(milliseconds: 5_400_000)))
            #expect(inputs["phoneNumber"] == .phoneNumber("4791234567"))
            #expect(try definition.resolveInputs(inputs)["startFee"] == .money(Money(minorUnits: 0, currency: "NOK")))

            let error = try #require(throws: InputValidationError.self) {
                try definition.inputs(fromJSON: Data(#"{"maxAmount": {"value": 1.5, "currency": "NOK"}, "pricePerKWh": 399, "maxSessionDuration": true, "x": 1}"#.utf8))
            }
            #expect(error.problems.count == 4)
            #expect(error.problems.contains { $0.hasPrefix("input 'maxAmount': money needs an integer \"value\" in minor units") })
            #expect(error.problems.contains { $0.hasPrefix("input 'pricePerKWh': expected money") })
            #expect(error.problems.contains { $0.hasPrefix("unknown input 'x'") })
            #expect(throws: InputValidationError.self) { try definition.inputs(fromJSON: Data("[1]".utf8)) }
        }

        @Test func signalDataIsTypedByTheDeclaredFields() throws {
            let definition = try FlowDefinitionLoader().load(fileAt: Self.evCharging)
            #expect(try definition.signalData("meterReading", fromJSON: Data(#"{"energyWh": 5200}"#.utf8)) == ["energyWh": .integer(5200)])
            let error = try #require(throws: InputValidationError.self) {
                try definition.signalData("meterReading", fromJSON: Data(#"{"kwh": 5}"#.utf8))
            }
            #expect(error.problems == [
                "signal meterReading: field 'energyWh' (integer) is required",
                "signal meterReading: unknown field 'kwh'; it takes: energyWh",
            ])
        }

        @Test func stuckMeansOverdueOrphanedExhaustedOrHoldingMoney() throws {
            let definition = try FlowDefinitionLoader().load(fileAt: Self.evCharging)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let diagnosis = StuckDiagnosis(grace: 60, now: start.addingTimeInterval(600))
            let pin = try JSONDecoder().decode(FlowInstance.PinnedDefinition.self, from: Data(
                #"{"name": "ev-charging", "version": 1, "contentHash": "\#(definition.contentHash)"}"#.utf8))
            var instance = FlowInstance(
                id: "s-1", flow: pin, inputs: [:],
                inputDigest: "", variables: [:], start: "reserve", at: start)

            // Running, updated 10 minutes ago, nobody holds the lock: its worker died.
            #expect(diagnosis.reason(for: instance, definition: definition, lockHolder: nil)?.contains("no worker") == true)
            #expect(diagnosis.reason(for: instance, definition: definition, lockHolder: LockHolder(processID: ProcessInfo.processInfo.processIdentifier)) == nil)

            instance.status = .waiting
            instance.wakeAt = start.addingTimeInterval(590)
            #expect(diagnosis.reason(for: instance, definition: definition, lockHolder: nil) == nil)  // within the grace
            instance.wakeAt = start.addingTimeInterval(60)
            #expect(diagnosis.reason(for: instance, definition: definition, lockHolder: nil)?.hasPrefix("timer due 9m ago") == true)

            instance.status = .failed
            instance.wakeAt = nil
            var record = StepRecord(step: "capture", visit: 1, enteredAt: start)
            record.attempts = 10
            record.lastError = "HTTP 500"
            instance.steps = [record]
            instance.failure = try JSONDecoder().decode(FlowInstance.Failure.self, from: Data(
                #"{"code": "payment.modificationFailed", "message": "HTTP 500", "step": "capture"}"#.utf8))
            #expect(diagnosis.reason(for: instance, definition: definition, lockHolder: nil)?.hasPrefix("retries exhausted at step capture after 10 attempts") == true)

            var payment = PaymentSummary(reference: "ev-s-1", state: "AUTHORIZED", currency: "NOK", reserved: 50_000)
            payment.authorized = 50_000
            instance.payment = payment
            #expect(diagnosis.reason(for: instance, definition: definition, lockHolder: nil)?.hasPrefix("failed with 500.00 NOK still reserved") == true)

            instance.status = .succeeded
            #expect(diagnosis.reason(for: instance, definition: definition, lockHolder: nil) == nil)
        }
    }
}
