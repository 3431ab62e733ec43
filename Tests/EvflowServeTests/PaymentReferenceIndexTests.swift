import EvflowServer
import FlowEngine
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The webhook router's reference index, rebuilt from state files an earlier version wrote
/// (`Tests/FlowEngineTests/Fixtures/IntentStateFiles`): a payment that is only a reserve intent so far is found
/// by its reference, so the earliest webhook about it reaches its instance.
struct PaymentReferenceIndexTests {
    static let fixtures = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FlowEngineTests/Fixtures/IntentStateFiles/before-typed-intents")

    @Test func aRestartIndexesReserveIntentsAndRecordedPaymentsOfUnfinishedInstances() throws {
        let manager = FileManager.default
        let root = manager.temporaryDirectory.appendingPathComponent("evflow-reference-index-\(UUID().uuidString)")
        defer { try? manager.removeItem(at: root) }
        try manager.createDirectory(at: root.appendingPathComponent("instances"), withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: Self.fixtures.appendingPathComponent("instances").path) {
            let target = root.appendingPathComponent("instances/\(name)")
            try manager.copyItem(at: Self.fixtures.appendingPathComponent("instances/\(name)"), to: target)
            chmod(target.path, 0o600)
        }
        chmod(root.path, 0o700)
        chmod(root.appendingPathComponent("instances").path, 0o700)

        let index = PaymentReferenceIndex()
        #expect(try index.rebuild(from: FileInstanceStore(stateDirectory: root)) == 4)
        // Known only from the reserve step's intent: the create's outcome was never recorded.
        #expect(index.instance(for: "fx-fx-reserve-in-flight") == "fx-reserve-in-flight")
        #expect(index.instance(for: "fx-fx-capture-in-flight") == "fx-capture-in-flight")
        #expect(index.instance(for: "fx-fx-refund-in-flight") == "fx-refund-in-flight")
        #expect(index.instance(for: "fx-fx-complete") == nil, "finished instances are not indexed")
        #expect(index.count == 4)
    }
}
