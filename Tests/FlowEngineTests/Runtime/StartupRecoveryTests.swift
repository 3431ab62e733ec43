import CurlHTTP
import EvflowTestSupport
import Foundation
import Synchronization
import Testing

@testable import FlowEngine

/// `serve` reads every outline once at start-up, for its payment-reference index and for the worker's schedule:
/// the worker loop starts from that recovery instead of reading the store again.
@Suite struct StartupRecoveryTests {
    final class Reads: Sendable {
        let count = Mutex(0)
    }

    @Test func theWorkerStartsFromARecoveryItWasGivenWithoutReadingTheStoreAgain() async throws {
        try await StoreFixtures.withStore { base, _ in
            for number in 0..<5 {
                var instance = InstanceSamples.instance("parked-\(number)")
                instance.wakeAt = Date().addingTimeInterval(86_400)
                _ = try base.create(instance)
            }
            let reads = Reads()
            let counted = OutlineReadCounterBox(base: base, reads: reads)
            let configuration = EvflowConfiguration(
                store: .opening({ counted.store }, describedAs: "counted store"), definitions: [:], payments: .settings(EvflowRuntimeTests.settings))
            try await withHTTPClient { http in
                let runtime = try EvflowRuntime(configuration, httpClient: http)
                let outlines = try runtime.store.allOutlines()
                #expect(runtime.runner.recover(from: outlines) == 5)
                await runtime.runner.work(while: { false })
                #expect(runtime.runner.scheduledCount == 5)
                #expect(reads.count.withLock { $0 } == 1, "read once, by the caller, not again by work()")
                await runtime.runner.work(while: { false })
                #expect(reads.count.withLock { $0 } == 2, "a later worker loop recovers for itself")
            }
        }
    }
}

/// Builds the counting layer around the file store (the closure the configuration takes must be `Sendable`).
struct OutlineReadCounterBox: Sendable {
    let base: FileInstanceStore
    let reads: StartupRecoveryTests.Reads

    var store: any InstanceStore { Counter(base: base, reads: reads) }

    struct Counter: InstanceStoreDecorator {
        let base: any InstanceStore
        let reads: StartupRecoveryTests.Reads

        func allOutlines() throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
            reads.count.withLock { $0 += 1 }
            return try base.allOutlines()
        }
    }
}
