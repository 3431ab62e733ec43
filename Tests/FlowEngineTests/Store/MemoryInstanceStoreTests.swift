import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// What ``MemoryInstanceStore`` does beyond the conformance suite: what `evflow test` relies on it for.
struct MemoryInstanceStoreTests {
    /// A finished instance is encoded once, as a state folder stores it, and must read back the same; every kind
    /// of value in the sample (integers at the limits, money, nested objects, dates) does.
    @Test func aFinishedInstanceIsSavedOnceItReadsBackAsAStateFolderWouldStoreIt() throws {
        let store = MemoryInstanceStore()
        var instance = InstanceSamples.instance("finished-1")
        _ = try store.create(instance)
        instance.status = .succeeded
        instance.currentStep = nil
        instance.wakeAt = nil
        try store.save(instance)
        #expect(try store.load("finished-1") == instance)
        #expect(store.statistics.durableWrites == 2, "a create and a save, counted")
        #expect(store.statistics.fsyncs == 0)
    }

    /// A lock whose holder dropped it without releasing is free again, as a file lock is once its descriptor
    /// closes; a release through an older taking never frees a newer one.
    @Test func aDroppedLockIsFreedAndAStaleReleaseChangesNothing() throws {
        let store = MemoryInstanceStore()
        _ = try store.create(InstanceSamples.instance("lock-1"))
        do {
            let dropped = try #require(try store.lock("lock-1"))
            #expect(try store.lock("lock-1") == nil, "held while its owner has it")
            withExtendedLifetime(dropped) {}
        }
        let first = try #require(try store.lock("lock-1"), "free once the dropped lock is gone")
        first.release()
        let second = try #require(try store.lock("lock-1"))
        first.release()
        #expect(try store.openAnotherHandle().lock("lock-1") == nil, "releasing the first taking again leaves the second held")
        second.release()
        #expect(store.lockHolder("lock-1") == nil)
    }
}
