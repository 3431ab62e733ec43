import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// `evflow resume --set` on the engine (issue 18, item 3): an operator corrects a value before the next step runs,
/// typed by the definition, audited, and refused once money that depends on it has moved.
@Suite("Correcting values before an instance runs on")
struct ValueCorrectionTests {
    static func definition(_ bed: FlowTestBed, _ id: String) throws -> FlowDefinition {
        try bed.runtime.catalog.definition(for: try bed.instance(id).flow)
    }

    @Test func aCorrectedPriceBeforeTheCaptureChangesWhatIsCaptured() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "correct-price"
            try await EVChargingFlowTests.startCharging(bed, id: id)
            try await bed.signal(id, "meterReading", ["energyWh": .integer(5_000)], signalID: "r1")
            let definition = try Self.definition(bed, id)
            let price = try ValueCorrection.parse("inputs.pricePerKWh=4.55 NOK", for: definition)
            #expect(price.value == .money(Money(minorUnits: 455, currency: "NOK")))

            let plan = try bed.runner.resumePlan(id, setting: [price], reason: "tariff was wrong", by: "erin")
            #expect(plan.contains("inputs.pricePerKWh set by erin: 3.99 NOK → 4.55 NOK: tariff was wrong"), "\(plan)")
            #expect(plan.contains("variables computed from it (amountDue, cost)"), "\(plan)")
            #expect(try bed.instance(id).inputs["pricePerKWh"] == .money(Money(minorUnits: 399, currency: "NOK")), "a plan changes nothing")

            let resumed = try await bed.runner.resume(id, setting: [price], reason: "tariff was wrong, ticket 12", by: "erin")
            #expect(resumed.status == .waiting && resumed.currentStep == "meter")
            #expect(resumed.history.contains { $0.event == "operator" && ($0.detail ?? "").contains("inputs.pricePerKWh set by erin: 3.99 NOK → 4.55 NOK: tariff was wrong, ticket 12") })

            try await bed.signal(id, "sessionEnded", ["energyWh": .integer(12_345)], signalID: "end")
            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded)
            // 12.345 kWh × 4.55 NOK = 56.16975 NOK, rounded half-up (as the flow says) to 56.17 NOK, in øre.
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: id)))
            #expect(payment.aggregate.captured == 5_617)
            #expect(payment.events(named: "CAPTURED").count == 1)
        }
    }

    @Test func aCorrectionIsRefusedOnceTheCaptureThatReadsItMovedMoney() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "correct-after-capture"
            try await EVChargingFlowTests.startCharging(bed, id: id)
            // The capture goes through; the release of the rest keeps failing, so the instance waits after the capture.
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .cancelPayment)
            try await bed.signal(id, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
            #expect(try bed.instance(id).currentStep == "releaseRemainder")
            let definition = try Self.definition(bed, id)
            // The VAT rate is read only by the receipt, which saves its receipt with its first outcome: once money is
            // captured the receipt may be at the provider already, so its values are fixed too.
            for assignment in ["inputs.pricePerKWh=4.55 NOK", #"variables.amountDue={"value": 100, "currency": "NOK"}"#, "inputs.maxAmount=100.00 NOK",
                               "inputs.vatRate=1500"] {
                let correction = try ValueCorrection.parse(assignment, for: definition)
                let refused = await #expect(throws: FlowError.self) {
                    try await bed.runner.resume(id, setting: [correction], reason: "too late", by: "frank")
                }
                #expect(refused?.code == .alreadyApplied, "\(assignment)")
                #expect(refused?.detail.contains("is used by step") == true && refused?.detail.contains("already") == true, "\(refused?.detail ?? "")")
                #expect(throws: FlowError.self) { try bed.runner.resumePlan(id, setting: [correction], reason: "too late") }
            }
            let price = try ValueCorrection.parse("inputs.pricePerKWh=4.55 NOK", for: definition)
            let refused = await #expect(throws: FlowError.self) {
                try await bed.runner.resume(id, setting: [price], reason: "too late", by: "frank")
            }
            #expect(refused?.detail.contains("step capture, which already captured 47.88 NOK") == true, "\(refused?.detail ?? "")")
            let instance = try bed.instance(id)
            #expect(instance.inputs["pricePerKWh"] == .money(Money(minorUnits: 399, currency: "NOK")))
            #expect(!instance.history.contains { ($0.detail ?? "").contains("set by frank") })
        }
    }

    @Test func valuesAreParsedByTheDeclaredTypeAndBadOnesNameTheField() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "correct-parse"
            try await EVChargingFlowTests.startCharging(bed, id: id)
            let definition = try Self.definition(bed, id)
            #expect(try ValueCorrection.parse(#"inputs.pricePerKWh={"value": 455, "currency": "NOK"}"#, for: definition).value == .money(Money(minorUnits: 455, currency: "NOK")))
            #expect(try ValueCorrection.parse("inputs.startFee=5 NOK", for: definition).value == .money(Money(minorUnits: 500, currency: "NOK")))
            #expect(try ValueCorrection.parse("inputs.vatRate=1500", for: definition).value == .integer(1_500))
            #expect(try ValueCorrection.parse("inputs.maxSessionDuration=6h", for: definition).value == .duration(.seconds(6 * 3600)))
            #expect(try ValueCorrection.parse("variables.energyWh=700", for: definition).target == ValueName(.variables, "energyWh"))
            let cases: [(String, String)] = [
                ("inputs.pricePerKWh=4.555 NOK", "more decimals than the 2 minor digits"),
                ("inputs.pricePerKWh=4.55", "inputs.pricePerKWh (money)"),
                ("inputs.pricePerKWh=455", "inputs.pricePerKWh (money)"),
                ("inputs.pricePerKWh=-1.00 NOK", "not a decimal amount"),
                ("inputs.pricePerKWh=4.55 SEK", "unsupported currency 'SEK'"),
                ("inputs.nope=1", "unknown input 'nope'"),
                ("variables.nope=1", "unknown variable 'nope'"),
                ("variables.energyWh=lots", "variables.energyWh (integer)"),
                ("outputs.x=1", "names inputs.<name> or variables.<name>"),
                ("inputs.pricePerKWh", "has no '='"),
            ]
            for (text, expected) in cases {
                let error = #expect(throws: FlowError.self, "\(text)") { try ValueCorrection.parse(text, for: definition) }
                #expect(error?.code == .invalidInput)
                #expect(error?.detail.contains(expected) == true, "\(text): \(error?.detail ?? "")")
            }
            let euro = try ValueCorrection.parse("inputs.pricePerKWh=4.55 EUR", for: definition)
            let currency = await #expect(throws: FlowError.self) { try await bed.runner.resume(id, setting: [euro], reason: "r", by: "gina") }
            #expect(currency?.detail.contains("is in NOK") == true, "\(currency?.detail ?? "")")
            let price = try ValueCorrection.parse("inputs.pricePerKWh=4.55 NOK", for: definition)
            let noReason = await #expect(throws: FlowError.self) { try await bed.runner.resume(id, setting: [price], reason: " ", by: "gina") }
            #expect(noReason?.detail.contains("reason is required") == true, "\(noReason?.detail ?? "")")
            // The phone number is dropped once the payment exists: the reserve step read it, and it moved money.
            let phone = try ValueCorrection.parse("inputs.phoneNumber=4790000000", for: definition)
            let refused = await #expect(throws: FlowError.self) { try await bed.runner.resume(id, setting: [phone], reason: "typo", by: "gina") }
            #expect(refused?.code == .alreadyApplied && refused?.detail.contains("step reserve") == true, "\(refused?.detail ?? "")")
            #expect(refused?.detail.contains("4790000000") == false, "never a phone number in a message")
        }
    }
}
