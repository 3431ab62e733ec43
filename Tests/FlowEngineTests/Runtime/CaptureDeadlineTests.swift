import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// The provider's capture deadline (issue 17, item 5): the engine knows it from the authorization, flags a payment
/// still holding money within 48 hours of it, and a definition can act ahead of it. On the virtual clock.
@Suite("Capture deadlines")
struct CaptureDeadlineTests {
    static func inputs(currency: String = "NOK") -> [String: Value] {
        var inputs = EVChargingFlowTests.inputs()
        inputs["maxAmount"] = .money(Money(minorUnits: 50_000, currency: currency))
        inputs["pricePerKWh"] = .money(Money(minorUnits: 399, currency: currency))
        inputs["startFee"] = .money(Money(minorUnits: 0, currency: currency))
        // The station never reports the end within the window: only the capture deadline can end the session.
        inputs["maxSessionDuration"] = .duration(FlowDuration(milliseconds: 365 * 86_400_000))
        return inputs
    }

    static let day: Duration = .seconds(86_400)

    @Test func theWindowsAreTheProvidersByCurrencyAndOverridable() throws {
        let authorized = Date(timeIntervalSince1970: 1_800_000_000)
        var payment = PaymentSummary(reference: "ev-1", state: "AUTHORIZED", currency: "NOK", reserved: 50_000)
        payment.authorized = 50_000
        payment.authorizedAt = authorized
        #expect(CaptureWindows.provider.deadline(of: payment, startedAt: .distantPast) == authorized.addingTimeInterval(180 * 86_400))
        payment.currency = "DKK"
        #expect(CaptureWindows.provider.deadline(of: payment, startedAt: .distantPast) == authorized.addingTimeInterval(14 * 86_400))
        payment.currency = "EUR"
        #expect(CaptureWindows.provider.deadline(of: payment, startedAt: .distantPast) == authorized.addingTimeInterval(14 * 86_400))
        payment.currency = "SEK"  // nobody configured it: the strictest window
        #expect(CaptureWindows.provider.deadline(of: payment, startedAt: .distantPast) == authorized.addingTimeInterval(14 * 86_400))

        // A payment adopted without its authorization time counts from the instance's start, never later.
        payment.currency = "NOK"
        payment.authorizedAt = nil
        #expect(CaptureWindows.provider.deadline(of: payment, startedAt: authorized) == authorized.addingTimeInterval(180 * 86_400))
        payment.authorized = 0
        #expect(CaptureWindows.provider.deadline(of: payment, startedAt: authorized) == nil, "not authorized: no deadline")

        let custom = try CaptureWindows.parse("NOK=7d, EUR=36h", variable: "EVFLOW_CAPTURE_WINDOWS")
        #expect(custom.window(for: "NOK") == 7 * 86_400)
        #expect(custom.window(for: "EUR") == 36 * 3600)
        #expect(custom.window(for: "DKK") == 14 * 86_400, "what is not overridden stays the provider's")
        for bad in ["NOK", "NOK=7", "nok=7d", "NOK=0s", "NOK=-1d"] {
            let error = #expect(throws: FlowError.self) { try CaptureWindows.parse(bad, variable: "EVFLOW_CAPTURE_WINDOWS") }
            #expect(error?.detail.contains("NOK=180d,DKK=14d") == true, "\(bad): \(error?.detail ?? "")")
        }
    }

    @Test func aPaymentStillHoldingMoneyIsFlaggedWithin48HoursOfItsDeadline() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            let id = "deadline-flag"
            try await EVChargingFlowTests.startCharging(bed, id: id, inputs: Self.inputs())
            let authorizedAt = try #require(try bed.instance(id).payment?.authorizedAt)
            let inspector = bed.runtime.inspector
            func stuck() throws -> String? { inspector.stuckReason(try bed.runner.outline(id), StuckDiagnosis(grace: 60, now: bed.now)) }
            #expect(try stuck() == nil)

            try await bed.advance(by: Self.day * 177)
            #expect(try stuck() == nil, "three days before the deadline nothing is flagged")
            try await bed.advance(by: Self.day * 1 + .seconds(3600))
            let reason = try #require(try stuck())
            #expect(reason.contains("still holds 500.00 NOK and its capture deadline is \(InstanceSummary.time(authorizedAt.addingTimeInterval(180 * 86_400)))"), "\(reason)")
            #expect(reason.contains("(in 1d2"), "a little less than two days left: \(reason)")

            // Once the session ends and nothing is held, nothing is flagged.
            try await bed.signal(id, "sessionEnded", ["energyWh": .integer(1_000)], signalID: "end")
            try await bed.advance(by: .seconds(60))
            #expect(try bed.instance(id).status == .succeeded)
            #expect(try stuck() == nil)
        }
    }

    @Test func theWindowRunsFromThePaymentsCreationWhenTheAuthorizationIsSeenLate() async throws {
        // The customer approves at once, but the first poll comes three days later (a worker that was down): the
        // provider's window already runs, so the deadline must count from before the poll, not from it.
        let folder = try TemporaryFolder.make("evflow-capture-late")
        defer { TemporaryFolder.remove(folder) }
        var text = try ShippedFlows.evCharging(poll: #"{ "firstAfter": "3d", "every": "2s" }"#)
        let timeout = #""timeout": "15m","#
        try #require(text.contains(timeout))
        text = text.replacingOccurrences(of: timeout, with: #""timeout": "4d","#)
        try text.write(to: folder.appending(path: "ev-charging.json"), atomically: true, encoding: .utf8)

        try await withFlowTestBed(flows: folder) { bed in
            let id = "deadline-late"
            try await bed.start("ev-charging", id: id, inputs: Self.inputs(currency: "DKK"))
            try await bed.advance(by: .seconds(3))
            try await bed.approve(id)
            try await bed.advance(by: Self.day * 3 + .seconds(60))
            let instance = try bed.instance(id)
            #expect(instance.currentStep == "meter")
            let authorizedAt = try #require(instance.payment?.authorizedAt)
            #expect(authorizedAt <= instance.createdAt.addingTimeInterval(3), "counted from the reserve, not the late poll: \(authorizedAt) vs \(instance.createdAt)")
        }
    }

    @Test func aDefinitionDeadlineFiresAheadOfTheCaptureDeadline() async throws {
        let folder = try TemporaryFolder.make("evflow-capture-deadline")
        defer { TemporaryFolder.remove(folder) }
        var text = try ShippedFlows.evCharging()
        let deadlines = #""deadlines": ["#
        try #require(text.contains(deadlines))
        text = text.replacingOccurrences(of: deadlines, with: deadlines + #"""
            { "id": "beforeCaptureDeadline", "before": "2d", "since": "captureDeadline", "during": ["startCharging", "meter"], "goto": "stopCharging" },
            """#)
        try text.write(to: folder.appending(path: "ev-charging.json"), atomically: true, encoding: .utf8)

        try await withFlowTestBed(flows: folder) { bed in
            let id = "deadline-flow"
            try await EVChargingFlowTests.startCharging(bed, id: id, inputs: Self.inputs())
            try await bed.signal(id, "meterReading", ["energyWh": .integer(5_000)], signalID: "r1")
            try await bed.advance(by: Self.day * 177)
            #expect(try bed.instance(id).currentStep == "meter", "still charging three days before the deadline")
            try await bed.advance(by: Self.day * 2)
            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded, "\(instance.history.suffix(5))")
            #expect(instance.history.contains { $0.event == "deadline" && ($0.detail ?? "").contains("beforeCaptureDeadline") })
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: id)))
            #expect(payment.aggregate.captured == 1_995, "5 kWh at 3.99 NOK, captured before the provider's deadline")
            #expect(payment.aggregate.cancelled == 50_000 - 1_995)
        }
    }

    @Test func aCaptureDeadlineDeadlineIsValidatedWithItsPathAndAHint() throws {
        func issues(_ deadline: String) -> [DefinitionIssue] {
            let text = """
                { "name": "x", "version": 1, "deadlines": [\(deadline)],
                  "steps": [{ "id": "wait", "kind": "wait", "duration": "1h", "next": "done" }, { "id": "done", "kind": "succeed" }] }
                """
            do {
                _ = try FlowDefinitionLoader().load(text: text, file: "x.json")
                return []
            } catch {
                return error.issues
            }
        }
        let after = issues(#"{ "id": "d", "after": "2d", "since": "captureDeadline", "during": ["wait"], "goto": "done" }"#)
        #expect(after.contains { $0.file == "x.json" && $0.jsonPath == "$.deadlines[0].after" && ($0.hint ?? "").contains("\"before\": \"2d\"") }, "\(after)")
        let before = issues(#"{ "id": "d", "before": "2d", "since": "wait", "during": ["wait"], "goto": "done" }"#)
        #expect(before.contains { $0.jsonPath == "$.deadlines[0].before" && ($0.hint ?? "").contains("captureDeadline") }, "\(before)")
        let neither = issues(#"{ "id": "d", "since": "captureDeadline", "during": ["wait"], "goto": "done" }"#)
        #expect(neither.contains { $0.jsonPath == "$.deadlines[0]" && $0.message.contains("needs \"before\"") }, "\(neither)")
        #expect(issues(#"{ "id": "d", "before": "2d", "since": "captureDeadline", "during": ["wait"], "goto": "done" }"#).isEmpty)
        #expect(issues(#"{ "id": "d", "after": "2d", "during": ["wait"], "goto": "done" }"#).isEmpty)

        // A step cannot take the name: "since" would be ambiguous.
        let text = #"{ "name": "x", "version": 1, "steps": [{ "id": "captureDeadline", "kind": "wait", "duration": "1h", "next": "done" }, { "id": "done", "kind": "succeed" }] }"#
        let reserved = #expect(throws: DefinitionValidationError.self) { try FlowDefinitionLoader().load(text: text, file: "x.json") }
        #expect(reserved?.issues.contains { $0.jsonPath == "$.steps[0].id" && $0.message.contains("reserved") } == true, "\(String(describing: reserved))")
    }
}
