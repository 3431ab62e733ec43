import EPayment
import EPaymentSimulator
import FlowTesting
import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// State files written before intents became typed values (``IntentFixtures``) still load, say what they said, are
/// written back byte for byte, and resume: a crash across the upgrade loses nothing and charges nothing twice.
@Suite("Intent state files")
struct IntentStateFileTests {
    /// A fresh state folder holding the fixture instances `ids` (all when `nil`) and the pinned definition, with
    /// the modes the store insists on (git checks files out 0644).
    static func stateFolder(with ids: [String]? = nil) throws -> URL {
        let manager = FileManager.default
        let root = manager.temporaryDirectory.appendingPathComponent("evflow-intent-state-\(UUID().uuidString)")
        for folder in ["instances", "definitions"] {
            try manager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let ids = ids ?? IntentFixtures.Scenario.allCases.map(\.id)
        var files = ids.map { "instances/\($0).json" }
        files += try manager.contentsOfDirectory(atPath: IntentFixtures.state.appendingPathComponent("definitions").path)
            .map { "definitions/\($0)" }
        for file in files {
            try manager.copyItem(at: IntentFixtures.state.appendingPathComponent(file), to: root.appendingPathComponent(file))
            chmod(root.appendingPathComponent(file).path, 0o600)
        }
        for folder in ["", "/instances", "/definitions"] { chmod(root.path + folder, 0o700) }
        return root
    }

    static func fixtureBytes(_ id: String) throws -> Data {
        try Data(contentsOf: IntentFixtures.state.appendingPathComponent("instances/\(id).json"))
    }

    @Test(arguments: IntentFixtures.Scenario.allCases)
    func aFileWrittenBeforeTypedIntentsLoadsAndIsWrittenBackByteForByte(_ scenario: IntentFixtures.Scenario) throws {
        let folder = try Self.stateFolder(with: [scenario.id])
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try FileInstanceStore(stateDirectory: folder)
        let instance = try store.load(scenario.id)
        let written = try StateFileCoding.encoder().encode(instance)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: try Self.fixtureBytes(scenario.id), as: UTF8.self))
        // The outline, read from the file, agrees with the whole instance.
        #expect(try store.loadOutline(scenario.id) == InstanceOutline(instance))
    }

    static func nok(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: "NOK") }

    /// What each fixture's step records say, read as typed intents.
    @Test func theTypedIntentsSayWhatTheFilesSay() throws {
        let folder = try Self.stateFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try FileInstanceStore(stateDirectory: folder)
        func intents(_ scenario: IntentFixtures.Scenario) throws -> [String: PaymentIntent?] {
            Dictionary(try store.load(scenario.id).steps.map { ($0.step, $0.intent) }) { _, last in last }
        }
        func reserve(_ scenario: IntentFixtures.Scenario) -> PaymentIntent {
            .reserve(ReserveIntent(amount: Self.nok(50_000), reference: "fx-\(scenario.id)"))
        }
        let capture = PaymentIntent.capture(CaptureIntent(amount: Self.nok(30_000), owed: Self.nok(30_000), alreadyCaptured: Self.nok(0)))
        let refund = PaymentIntent.refund(RefundIntent(amount: Self.nok(5_000), owed: Self.nok(5_000), alreadyRefunded: Self.nok(0)))

        let complete = try intents(.complete)
        #expect(complete == ["reserve": reserve(.complete), "authorize": nil, "meter": nil, "capture": capture, "release": .release,
                             "refund": refund, "done": nil])
        let completed = try store.load(IntentFixtures.Scenario.complete.id)
        #expect(completed.status == .succeeded && completed.failure == nil)
        #expect(completed.output(.capturedAmount, of: "capture") == .money(Self.nok(30_000)))
        #expect(completed.output(.cancelledAmount, of: "release") == .money(Self.nok(20_000)))
        #expect(completed.output(.refundedAmount, of: "refund") == .money(Self.nok(5_000)))
        #expect(completed.output(.reference, of: "reserve") == .string("fx-fx-complete"))

        // The operator's release: no step record of its own, a ledger movement under the reserved step name and key.
        let cancelled = try store.load(IntentFixtures.Scenario.operatorCancelled.id)
        #expect(try intents(.operatorCancelled)["reserve"] == reserve(.operatorCancelled))
        #expect(cancelled.failure?.code == .operatorCancelled)
        let release = try #require(cancelled.moneyLedger.movements.first)
        #expect(release.kind == .release && release.amount == 50_000)
        #expect(release.step == Interpreter.operatorCancelStep)
        #expect(release.idempotencyKey == Interpreter.operatorCancelKey(cancelled.id))

        // A create in flight: the reference is known before the payment is, to the outline and the reference index.
        let inFlight = try store.load(IntentFixtures.Scenario.reserveInFlight.id)
        #expect(inFlight.currentRecord?.intent == reserve(.reserveInFlight))
        #expect(inFlight.currentRecord?.intentReference == "fx-fx-reserve-in-flight")
        #expect(inFlight.unconfirmedReservation == "fx-fx-reserve-in-flight")
        #expect(try store.loadOutline(inFlight.id).unconfirmedReservation == "fx-fx-reserve-in-flight")

        let failed = try store.load(IntentFixtures.Scenario.reserveFailed.id)
        #expect(failed.failure?.code == .createFailed)
        #expect(failed.steps.last?.intent == reserve(.reserveFailed))
        #expect(failed.unconfirmedReservation == nil, "the provider confirmed the create took no effect")

        #expect(try store.load(IntentFixtures.Scenario.captureInFlight.id).currentRecord?.intent == capture)
        #expect(try store.load(IntentFixtures.Scenario.releaseInFlight.id).currentRecord?.intent == .release)
        #expect(try store.load(IntentFixtures.Scenario.refundInFlight.id).currentRecord?.intent == refund)
    }

    /// Every intent, step output, failure and ledger entry the engine writes today for the fixture scenarios is
    /// what the engine wrote before intents were typed (only the salted input digest differs from run to run).
    @Test(arguments: IntentFixtures.Scenario.allCases)
    func theEngineStillWritesWhatItWroteBeforeTypedIntents(_ scenario: IntentFixtures.Scenario) async throws {
        let produced = try await IntentFixtures.produce(scenario)
        defer { try? FileManager.default.removeItem(at: produced) }
        func document(_ data: Data) throws -> [String: Any] {
            var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            object["inputDigest"] = nil
            // Added since, optional, and ignored by the earlier version's decoder: when the payment was first seen
            // authorized (the start of its capture window).
            if var payment = object["payment"] as? [String: Any] {
                payment["authorizedAt"] = nil
                object["payment"] = payment
            }
            return object
        }
        let now = try document(try Data(contentsOf: produced.appendingPathComponent("instances/\(scenario.id).json")))
        let before = try document(try Self.fixtureBytes(scenario.id))
        #expect(NSDictionary(dictionary: now) == NSDictionary(dictionary: before), "\(scenario.id) differs from the fixture")
    }

    /// A reserve intent recorded by the earlier version, whose create answered 5xx: the upgraded engine confirms it
    /// with the provider (not found), sends the same request with the same key, and runs the flow to the end.
    @Test func anInterruptedReserveResumesToCompletion() async throws {
        let id = IntentFixtures.Scenario.reserveInFlight.id
        let folder = try Self.stateFolder(with: [id])
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorded = try FileInstanceStore(stateDirectory: folder).load(id)
        let key = try #require(recorded.currentRecord?.idempotencyKey)
        try await withFlowTestBed(flows: IntentFixtures.flows, stateDirectory: folder) { bed in
            #expect(try bed.runner.recover() == 1)
            try await bed.advance(by: .seconds(5))
            let reference = "fx-\(id)"
            let payment = try #require(bed.ledger.payment(reference: reference))
            #expect(payment.amount == 50_000)
            #expect(payment.events(named: "CREATED").first?.idempotencyKey == key)
            try await bed.approve(id)
            try await bed.advance(by: .seconds(10))
            try await bed.signal(id, "finished", IntentFixtures.finished, signalID: "end")
            try await bed.advance(by: .seconds(10))
            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded)
            let aggregate = try #require(bed.ledger.payment(reference: reference)?.aggregate)
            #expect(aggregate == LedgerAggregate(authorized: 50_000, captured: 30_000, cancelled: 20_000, refunded: 5_000))
            #expect(instance.output?["captured"] == .money(Money(minorUnits: 30_000, currency: "NOK")))
        }
    }

    /// A capture intent recorded by the earlier version, whose call answered 5xx: the upgraded engine sends the
    /// recorded amount with the recorded key, then releases and refunds.
    @Test func anInterruptedCaptureResumesWithItsRecordedAmountAndKey() async throws {
        let id = IntentFixtures.Scenario.captureInFlight.id
        let folder = try Self.stateFolder(with: [id])
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorded = try FileInstanceStore(stateDirectory: folder).load(id)
        let key = try #require(recorded.currentRecord?.idempotencyKey)
        let reference = "fx-\(id)"
        try await withFlowTestBed(flows: IntentFixtures.flows, stateDirectory: folder) { bed in
            // The provider as the earlier run left it: the payment created and authorized, nothing captured.
            let payments = bed.runner.services.payments
            _ = try await payments.createPayment(
                CreatePaymentRequest(amount: Amount(value: 50_000, currency: .nok), reference: reference, userFlow: .pushMessage,
                                     customer: Customer(phoneNumber: IntentFixtures.phone), paymentDescription: "Intent fixtures"),
                idempotencyKey: try #require(recorded.steps.first?.idempotencyKey))
            try bed.simulator.approve(reference: reference)
            #expect(try bed.runner.recover() == 1)
            // Its retry was due 14 s after the earlier run started (the bed's clock starts at the same instant).
            try await bed.advance(by: .seconds(30))
            let instance = try bed.instance(id)
            #expect(instance.status == .succeeded, "\(instance.history.suffix(6).map { "\($0.event) \($0.detail ?? "")" })")
            let payment = try #require(bed.ledger.payment(reference: reference))
            let captures = payment.events(named: "CAPTURED")
            #expect(captures.count == 1)
            #expect(captures.first?.idempotencyKey == key)
            #expect(captures.first?.amount == 30_000)
            #expect(payment.aggregate == LedgerAggregate(authorized: 50_000, captured: 30_000, cancelled: 20_000, refunded: 5_000))
        }
    }
}
