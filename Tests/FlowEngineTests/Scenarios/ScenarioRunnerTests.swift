import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// The flow-test harness as a library: shipped scenarios pass, broken expectations and malformed files are
/// reported with what was expected, what happened, and where.
@Suite("Flow-test scenarios")
struct ScenarioRunnerTests {
    static var repository: URL { Repository.root }
    static let flows = repository.appending(path: "flows")

    @Test func everyShippedScenarioPasses() async throws {
        let runner = try ScenarioRunner(flowsDirectory: Self.flows)
        let scenarios = try runner.load(paths: [Self.flows.appending(path: "tests")])
        #expect(Set(scenarios.map(\.flow)) == ["ev-charging", "ev-charging-landing-page", "ev-charging-qr", "fixed-price", "reserve-release"])
        #expect(scenarios.count >= 15)
        let results = await runner.run(scenarios, maximumConcurrency: 4)
        #expect(results.map(\.name) == scenarios.map(\.name))
        for result in results {
            #expect(result.passed, "\(result.name): \(result.failures.map(\.description).joined(separator: "; "))")
        }
        let partial = try #require(results.first { $0.name == "ev-partial-capture" })
        #expect(partial.captured == 5_426 && partial.released == 44_574)
        #expect(partial.notes.contains { $0.contains("duplicate") })
        let cap = try #require(results.first { $0.name == "ev-cost-cap" })
        #expect(cap.notes.contains { $0.contains("already finished") })
    }

    /// The partial-capture scenario with a captured amount one øre off and the last two steps left out.
    static func brokenScenario() throws -> String {
        try String(contentsOf: flows.appending(path: "tests/ev-partial-capture.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"name\": \"ev-partial-capture\"", with: "\"name\": \"ev-broken\"")
            .replacingOccurrences(of: "\"captured\": { \"value\": 5426, \"currency\": \"NOK\" }", with: "\"captured\": 5427")
            .replacingOccurrences(of: "\"notifyCompleted\", \"receipt\", \"done\"", with: "\"done\"")
    }

    @Test func brokenExpectationReportsExpectedAndActual() async throws {
        let runner = try ScenarioRunner(flowsDirectory: Self.flows)
        let scenario = try runner.load(text: try Self.brokenScenario(), file: "ev-broken.json")
        let result = await runner.run(scenario)
        #expect(!result.passed)
        #expect(result.status == "succeeded")
        #expect(result.failures.count == 2)
        let captured = try #require(result.failures.first { $0.expectation == "captured" })
        #expect(captured.expected == "5427 (54.27 NOK)")
        #expect(captured.actual == "5426 (54.26 NOK)")
        let steps = try #require(result.failures.first { $0.expectation == "steps" })
        #expect(steps.actual.contains("first difference at #8: expected done, actual notifyCompleted"))
        #expect(result.virtualSeconds >= 3600)
    }

    @Test func malformedScenarioListsEveryProblemWithItsPlace() throws {
        let runner = try ScenarioRunner(flowsDirectory: Self.flows)
        let text = """
            {
              "name": "bad",
              "flow": "ev-charging",
              "input": { "phoneNumber": "4791234567", "pricePerKWh": { "value": 399, "currency": "SEK" } },
              "timeline": [
                { "at": "10m", "signal": "meterReadin", "data": { "energyWh": 5 } },
                { "at": "5m", "signal": "sessionEnded", "data": { "energyWh": "12" } }
              ],
              "expect": { "steps": ["reserv"], "capturd": 1 }
            }
            """
        let error = try #require(throws: ScenarioFileError.self) { try runner.load(text: text, file: "bad.json") }
        let described = error.issues.map(\.description)
        #expect(described.contains("bad.json:4:86: $.input.pricePerKWh.currency: bad currency \"SEK\" (hint: use NOK, DKK or EUR)"))
        #expect(described.contains { $0.hasPrefix("bad.json:6:30: $.timeline[0].signal: flow \"ev-charging\" declares no signal \"meterReadin\"") && $0.contains("did you mean \"meterReading\"?") })
        #expect(described.contains { $0.hasPrefix("bad.json:7:13: $.timeline[1].at: events must be in time order") })
        #expect(described.contains { $0.hasPrefix("bad.json:7:67: $.timeline[1].data.energyWh: expected a whole number") })
        #expect(described.contains { $0.hasPrefix("bad.json:9:25: $.expect.steps[0]: the flow has no step \"reserv\"") })
        #expect(described.contains { $0.contains("$.expect.capturd: unknown field \"capturd\" in expectations (hint: did you mean \"captured\"?)") })
        #expect(error.issues.count == 6)
    }

    @Test func anOCPPMessageInATimelineIsCheckedWhenTheScenarioLoads() throws {
        let runner = try ScenarioRunner(flowsDirectory: Self.flows)
        let text = """
            {
              "name": "bad-ocpp",
              "flow": "ev-charging",
              "input": { "phoneNumber": "4791234567", "pricePerKWh": { "value": 399, "currency": "NOK" } },
              "timeline": [
                { "at": "10m", "meterValues": \(OCPPMessages.transactionEvent201(seqNo: 1, value: "5", unit: "MWh")) }
              ],
              "expect": { "status": "succeeded" }
            }
            """
        let error = try #require(throws: ScenarioFileError.self) { try runner.load(text: text, file: "bad-ocpp.json") }
        #expect(error.issues.count == 1)
        #expect(error.issues.first?.description.contains("$.timeline[0].meterValues.meterValue[0].sampledValue[1].unitOfMeasure.unit: not an OCPP message") == true,
                "\(error.issues)")
        let shipped = try #require(try runner.load(paths: [Self.flows.appending(path: "tests/ev-ocpp-meter-values.json")]).first)
        #expect(shipped.timeline.filter { if case .meterValues = $0.action { true } else { false } }.count == 6)
    }

    @Test func invalidJSONIsReportedWithItsPosition() throws {
        let runner = try ScenarioRunner(flowsDirectory: Self.flows)
        let error = try #require(throws: ScenarioFileError.self) { try runner.load(text: "{\n  \"name\": \"x\",\n}", file: "x.json") }
        #expect(error.issues.count == 1)
        #expect(error.issues[0].description.hasPrefix("x.json:3:1: $: invalid JSON"))
    }
}
