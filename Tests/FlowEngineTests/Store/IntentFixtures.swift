import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// State files with every kind of payment intent (reserve, capture, cancel, refund, and an operator's release),
/// written by the engine itself running `Fixtures/IntentStateFiles/flows/intent-kinds.json` against the
/// simulator, and committed under `Fixtures/IntentStateFiles/before-typed-intents` (a state folder: `instances/`,
/// and the pinned definition in `definitions/`; not named `state`, which git ignores).
///
/// The committed files were written by the engine as it was before intents became typed values (the code that
/// stored `StepRecord.intent` as `[String: Value]`), so loading them proves that files from that version still load.
/// To write them again (only after a deliberate format change), run
/// `EVFLOW_WRITE_INTENT_FIXTURES=1 swift test --filter IntentFixtureWriter`.
enum IntentFixtures {
    static let folder = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/IntentStateFiles")
    static var flows: URL { folder.appendingPathComponent("flows") }
    static var state: URL { folder.appendingPathComponent("before-typed-intents") }

    /// One instance per situation an intent is stored in.
    enum Scenario: String, CaseIterable, Sendable {
        /// Reserve, capture 300 NOK, release the rest, refund 50 NOK: succeeded, one completed intent of each kind.
        case complete = "fx-complete"
        /// Authorized, then `evflow cancel` while metering: the operator's release, failed `operator.cancelled`.
        case operatorCancelled = "fx-cancelled"
        /// The create answered 5xx once: the reserve intent is recorded, unconfirmed, its retry due.
        case reserveInFlight = "fx-reserve-in-flight"
        /// The create answered 5xx every time: failed `payment.createFailed`, no effect confirmed.
        case reserveFailed = "fx-reserve-failed"
        /// The capture answered 5xx once: its intent recorded, unconfirmed, its retry due.
        case captureInFlight = "fx-capture-in-flight"
        /// The cancel answered 5xx once.
        case releaseInFlight = "fx-release-in-flight"
        /// The refund answered 5xx once.
        case refundInFlight = "fx-refund-in-flight"

        var id: String { rawValue }
    }

    static let phone = "4791234567"
    static let inputs: [String: Value] = ["phone": .phoneNumber(phone)]
    static let finished: [String: Value] = [
        "due": .money(Money(minorUnits: 30_000, currency: "NOK")),
        "refund": .money(Money(minorUnits: 5_000, currency: "NOK")),
    ]

    /// Starts the instance and has the customer approve it, leaving it at `meter`.
    static func authorize(_ bed: FlowTestBed, _ id: String) async throws {
        try await bed.start("intent-kinds", id: id, inputs: inputs)
        try await bed.advance(by: .seconds(3))
        try await bed.approve(id)
        try await bed.advance(by: .seconds(10))
    }

    /// Drives `scenario` in `bed` (its own simulator and state folder) to the point the fixture records.
    static func run(_ scenario: Scenario, in bed: FlowTestBed) async throws {
        let id = scenario.id
        switch scenario {
        case .complete:
            try await authorize(bed, id)
            try await bed.signal(id, "finished", finished, signalID: "end")
            try await bed.advance(by: .seconds(10))
        case .operatorCancelled:
            try await authorize(bed, id)
            try await bed.runner.cancel(id, reason: "fixture: the customer called")
        case .reserveInFlight:
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .createPayment)
            try await bed.start("intent-kinds", id: id, inputs: inputs)
        case .reserveFailed:
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .createPayment)
            try await bed.start("intent-kinds", id: id, inputs: inputs)
            try await bed.advance(by: .seconds(60))
        case .captureInFlight:
            try await authorize(bed, id)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .capturePayment)
            try await bed.signal(id, "finished", finished, signalID: "end")
        case .releaseInFlight:
            try await authorize(bed, id)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .cancelPayment)
            try await bed.signal(id, "finished", finished, signalID: "end")
        case .refundInFlight:
            try await authorize(bed, id)
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .refundPayment)
            try await bed.signal(id, "finished", finished, signalID: "end")
        }
    }

    /// Runs `scenario` in a fresh state folder and returns the folder (the caller deletes it).
    static func produce(_ scenario: Scenario) async throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-intent-fixture-\(UUID().uuidString)")
        try await withFlowTestBed(flows: flows, stateDirectory: directory) { bed in
            try await run(scenario, in: bed)
        }
        return directory
    }
}

@Suite("Intent fixture writer")
struct IntentFixtureWriter {
    /// Writes `Fixtures/IntentStateFiles/before-typed-intents` from the engine as it is now. Off unless asked for: the committed
    /// files are the ones an earlier version wrote.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["EVFLOW_WRITE_INTENT_FIXTURES"] == "1"))
    func writeFixtures() async throws {
        let manager = FileManager.default
        let target = IntentFixtures.state
        try? manager.removeItem(at: target)
        for folder in ["instances", "definitions"] {
            try manager.createDirectory(at: target.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for scenario in IntentFixtures.Scenario.allCases {
            let produced = try await IntentFixtures.produce(scenario)
            defer { try? manager.removeItem(at: produced) }
            let file = "instances/\(scenario.id).json"
            try manager.copyItem(at: produced.appendingPathComponent(file), to: target.appendingPathComponent(file))
            for definition in try manager.contentsOfDirectory(atPath: produced.appendingPathComponent("definitions").path)
            where !manager.fileExists(atPath: target.appendingPathComponent("definitions/\(definition)").path) {
                try manager.copyItem(at: produced.appendingPathComponent("definitions/\(definition)"),
                                     to: target.appendingPathComponent("definitions/\(definition)"))
            }
        }
    }
}
