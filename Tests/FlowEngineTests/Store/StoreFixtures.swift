import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh state directory per test, removed afterwards, and sample instances that use every kind of value.
enum StoreFixtures {
    /// Runs `body` with a store on a new temporary state directory (`<temp>/state`), then deletes it.
    static func withStore<T>(
        faults: DurableFile.Faults? = nil,
        limits: StateFileLimits = .standard,
        _ body: (FileInstanceStore, StateLayout) async throws -> T
    ) async throws -> T {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-store-tests-\(UUID().uuidString)")
        defer {
            // Undo any permission a test removed, so the cleanup itself cannot fail.
            _ = try? FileManager.default.subpathsOfDirectory(atPath: base.path).forEach { chmod(base.path + "/" + $0, 0o700) }
            try? FileManager.default.removeItem(at: base)
        }
        let store = try FileInstanceStore(stateDirectory: base.appendingPathComponent("state"), faults: faults, limits: limits)
        return try await body(store, store.layout)
    }

    /// A moment with whole milliseconds.
    static let start = Date(timeIntervalSince1970: 1_795_000_000.125)

    /// An instance with every field set and every value kind in inputs, variables, outputs and signals.
    static func instance(_ id: String = "session-1", variables extra: [String: Value] = [:]) -> FlowInstance {
        let every: [String: Value] = [
            "integer": .integer(-42),
            "big": .integer(Int64.max),
            "money": .money(Money(minorUnits: 50_000, currency: "NOK")),
            "flag": .boolean(true),
            "off": .boolean(false),
            "text": .string("quoted \"ø\" / \\ text"),
            "wait": .duration(FlowDuration(milliseconds: 5_400_250)),
            "backwards": .duration(FlowDuration(milliseconds: -5000)),
            "phone": .phoneNumber("4791234567"),
        ]
        var instance = FlowInstance(
            id: id,
            flow: .init(name: "ev-charging", version: 3, contentHash: String(repeating: "ab", count: 32)),
            inputs: every, inputDigest: "digest-\(id)", variables: every.merging(extra) { $1 }, start: "reserve", at: start)
        instance.status = .waiting
        // Not whole milliseconds: the store must give back exactly the Date it was given.
        instance.updatedAt = Date(timeIntervalSinceReferenceDate: 816_692_800.123_456_7)
        instance.wakeAt = start.addingTimeInterval(0.1 + 0.2)
        instance.payment = {
            var payment = PaymentSummary(reference: "evflow-\(id)", state: "AUTHORIZED", currency: "NOK", reserved: 50_000)
            payment.authorized = 50_000
            payment.captured = 12_345
            return payment
        }()
        instance.failure = .init(code: FailureCode(rawValue: "payment.notAuthorized"), message: "aborted by the user", step: "authorize")
        instance.cancellationRequest = "operator: station offline"
        instance.output = ["charged": .money(Money(minorUnits: 12_345, currency: "NOK"))]
        instance.stepOutputs = ["reserve": every]
        var record = StepRecord(step: "capture", visit: 2, enteredAt: start.addingTimeInterval(60))
        record.attempts = 3
        record.idempotencyKey = "key-\(id)-capture-2"
        record.intent = .capture(CaptureIntent(amount: Money(minorUnits: 12_345, currency: "NOK"), owed: Money(minorUnits: 20_000, currency: "NOK"),
                                               alreadyCaptured: Money(minorUnits: 7_655, currency: "NOK")))
        record.completedAt = start.addingTimeInterval(61.5)
        record.lastError = "HTTP 503 from ePayment"
        record.nextAttemptAt = start.addingTimeInterval(62)
        instance.steps = [StepRecord(step: "reserve", visit: 1, enteredAt: start), record]
        instance.pendingSignals = [signal("m-1", at: start.addingTimeInterval(30), data: every)]
        instance.consumedSignals = ["meterReading": [every, ["kwh": .integer(7)]]]
        instance.seenSignalIDs = ["m-0", "m-1"]
        instance.anchors = ["start": start, "reserve": start.addingTimeInterval(1)]
        instance.firedDeadlines = ["release-by"]
        instance.log("signal", step: "meter", "meterReading m-1", at: start.addingTimeInterval(30))
        return instance
    }

    static func signal(_ id: String, name: String = "meterReading", at time: Date = start, data: [String: Value] = ["kwh": .integer(1)]) -> ReceivedSignal {
        ReceivedSignal(id: id, name: name, data: data, receivedAt: time)
    }

    /// The permission bits of a file or directory.
    static func mode(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        var status = stat()
        try #require(stat(path, &status) == 0, "stat \(path)", sourceLocation: sourceLocation)
        return Int(status.st_mode & 0o777)
    }

    static func bytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(filePath: path))
    }

    /// The entries of a directory, sorted.
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}

/// Asserts that `body` throws a ``StoreError`` with `code`, and returns it for further checks.
@discardableResult
func expectStoreError<T>(
    _ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) -> StoreError? {
    do {
        _ = try body()
        Issue.record("expected StoreError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError(\(code)), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
