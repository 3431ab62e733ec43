import Foundation
import Testing

@testable import FlowEngine

struct ShippedDefinitionTests {
    @Test func allShippedDefinitionsValidate() throws {
        let definitions = try FlowDefinitionLoader().load(directory: DefinitionFixtures.flowsDirectory)
        #expect(definitions.keys.sorted() == ["ev-charging", "ev-charging-landing-page", "ev-charging-qr", "fixed-price", "reserve-release"])
        for definition in definitions.values {
            #expect(definition.contentHash.count == 64)
            #expect(definition.contentHash.allSatisfy { $0.isHexDigit })
            #expect(definition.steps.contains { $0.isTerminal })
        }
    }

    /// A charger is a physical setting (ev-charging-facts §1): every EV journey says the customer is present, and
    /// each reaches the customer its own way.
    @Test func everyEVJourneyIsCustomerPresentWithItsOwnUserFlow() throws {
        let definitions = try FlowDefinitionLoader().load(directory: DefinitionFixtures.flowsDirectory)
        let expected: [String: ReserveStep.UserFlow] = ["ev-charging": .pushMessage, "ev-charging-landing-page": .webRedirect, "ev-charging-qr": .qr]
        for (name, userFlow) in expected {
            guard case .reserve(let reserve)? = definitions[name]?.step("reserve")?.kind else {
                Issue.record("\(name) has no reserve step")
                continue
            }
            #expect(reserve.customerInteraction == .customerPresent, "\(name)")
            #expect(reserve.userFlow == userFlow, "\(name)")
            #expect((reserve.customerPhone != nil) == (userFlow == .pushMessage), "\(name): a phone number only for the push message")
        }
        guard case .reserve(let qr)? = definitions["ev-charging-qr"]?.step("reserve")?.kind else { return }
        #expect(qr.qrFormat == ReserveStep.QRFormat(format: .targetURL, size: nil))
    }

    @Test func evChargingHasTheDocumentedShape() throws {
        let definition = try FlowDefinitionLoader().load(fileAt: DefinitionFixtures.flowsDirectory.appendingPathComponent("ev-charging.json"))
        #expect(definition.start == "reserve")
        let capture = try #require(definition.step("capture"))
        guard case .capture(let step) = capture.kind else { Issue.record("capture is not a capture step"); return }
        #expect(step.skipIfZero)
        #expect(step.payment == "reserve")
        let authorize = try #require(definition.step("authorize"))
        guard case .awaitPayment(let wait) = authorize.kind else { Issue.record("authorize is not awaitPayment"); return }
        #expect(wait.pollFirstAfter == .seconds(5) && wait.pollInterval == .seconds(2))
        #expect([wait.onAborted, wait.onExpired, wait.onTerminated] == ["notifyNotAuthorized", "notifyNotAuthorized", "notifyNotAuthorized"])
        #expect(definition.deadlines.map(\.goto) == ["stopCharging"])
        #expect(definition.deadlines.first?.since == .stepCompleted("authorize"))
        let inputs = try definition.resolveInputs([
            "phoneNumber": .phoneNumber("4791234567"),
            "pricePerKWh": .money(Money(minorUnits: 399, currency: "NOK")),
        ])
        #expect(inputs["maxAmount"] == .money(Money(minorUnits: 50_000, currency: "NOK")))
        #expect(inputs["maxSessionDuration"] == .duration(.seconds(12 * 3600)))
    }

    /// Walks the EV flow's meter handler and pricing by hand, as the runtime will: 12 345 Wh at 3.99 NOK/kWh plus a
    /// 5.00 NOK start fee is 500 + 4925.655 → 5426 øre (half-up), under the 500 NOK reservation.
    @Test func evChargingPricesMeteredEnergyWithHalfUpRounding() throws {
        let definition = try FlowDefinitionLoader().load(fileAt: DefinitionFixtures.flowsDirectory.appendingPathComponent("ev-charging.json"))
        guard case .awaitSignal(let meter) = try #require(definition.step("meter")).kind,
            case .compute(let price) = try #require(definition.step("price")).kind,
            case .capture(let capture) = try #require(definition.step("capture")).kind
        else { Issue.record("unexpected step kinds"); return }
        var environment = Environment(
            instanceID: "session-1",
            inputs: try definition.resolveInputs([
                "phoneNumber": .phoneNumber("4791234567"),
                "pricePerKWh": .money(Money(minorUnits: 399, currency: "NOK")),
                "startFee": .money(Money(minorUnits: 500, currency: "NOK")),
            ]),
            stepOutputs: ["reserve": ["amount": .money(Money(minorUnits: 50_000, currency: "NOK")), "reference": .string("ev-session-1")]])
        for variable in definition.variables {
            environment.variables[variable.name] = try variable.initial.evaluate(in: environment)
        }
        for reading: Int64 in [4000, 12_345, 12_000] {  // a late, lower reading must not reduce the total
            environment.currentSignal = ["energyWh": .integer(reading)]
            for assignment in try #require(meter.handler(for: "meterReading")).assign {
                environment.variables[assignment.variable] = try assignment.value.evaluate(in: environment)
            }
        }
        #expect(environment.variables["energyWh"] == .integer(12_345))
        #expect(environment.variables["cost"] == .money(Money(minorUnits: 5426, currency: "NOK")))
        #expect(try meter.until[0].condition.evaluate(in: environment) == .boolean(false))
        for assignment in price.assign {
            environment.variables[assignment.variable] = try assignment.value.evaluate(in: environment)
        }
        #expect(try capture.amount.evaluate(in: environment) == .money(Money(minorUnits: 5426, currency: "NOK")))
    }

    @Test func contentHashIgnoresLayoutButNotContent() throws {
        let text = DefinitionFixtures.paymentFlow()
        let original = try DefinitionFixtures.load(text)
        let compact = try DefinitionFixtures.load(text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " "))
        let reordered = try DefinitionFixtures.load(text.replacingOccurrences(of: "\"name\": \"test-flow\",\n  \"version\": 1,", with: "\"version\": 1, \"name\": \"test-flow\","))
        let changed = try DefinitionFixtures.load(text.replacingOccurrences(of: "50000", with: "50001"))
        #expect(original.contentHash == compact.contentHash)
        #expect(original.contentHash == reordered.contentHash)
        #expect(original.contentHash != changed.contentHash)
    }

    @Test func loadingAFolderReportsEveryFilesProblems() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try DefinitionFixtures.paymentFlow().write(to: folder.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try DefinitionFixtures.paymentFlow().write(to: folder.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
        try "{ \"name\": ".write(to: folder.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        do {
            _ = try FlowDefinitionLoader().load(directory: folder)
            Issue.record("expected errors")
        } catch {
            #expect(error.issues.count == 2)
            #expect(error.issues.contains { $0.file.hasSuffix("b.json") && $0.message.contains("also used by") })
            #expect(error.issues.contains { $0.file.hasSuffix("c.json") && $0.message.contains("invalid JSON") && $0.line == 1 && $0.column == 11 })
        }
    }

    @Test func inputsAreCheckedWhenAnInstanceStarts() throws {
        let definition = try DefinitionFixtures.load(DefinitionFixtures.paymentFlow())
        #expect(throws: InputValidationError.self) { try definition.resolveInputs([:]) }
        do {
            _ = try definition.resolveInputs(["phone": .phoneNumber("12"), "maxAmount": .money(Money(minorUnits: 5, currency: "SEK")), "extra": .integer(1)])
            Issue.record("expected input errors")
        } catch {
            #expect(error.problems.count == 3)
            #expect(error.description.contains("10-15 digits"))
            #expect(error.description.contains("SEK"))
            #expect(error.description.contains("unknown input 'extra'"))
        }
    }
}
