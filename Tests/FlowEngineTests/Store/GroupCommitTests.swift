import EvflowTestSupport
import Foundation
import Synchronization
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Group commit (``SaveJournal``): concurrent saves share fsyncs, and what a save acknowledged survives a crash
/// of the process or the machine, with the instance files staying plain JSON.
struct GroupCommitTests {
    /// A different boot id: the store replays as after a machine restart.
    static let otherBoot = Array("00000000-test-boot-after-restart".utf8)

    @Test func concurrentSavesShareTheirFsyncs() async throws {
        try await StoreFixtures.withStore { store, _ in
            let count = 48
            var instances = [FlowInstance]()
            for index in 0..<count {
                let instance = InstanceSamples.instance("group-\(index)")
                _ = try store.create(instance)
                instances.append(instance)
            }
            let before = store.statistics
            let created = instances
            let failures = Self.concurrently(count) { index in
                var instance = created[index]
                instance.currentStep = "saved-concurrently"
                try store.save(instance)
            }
            #expect(failures.isEmpty, "\(failures)")
            let after = store.statistics
            #expect(after.durableWrites - before.durableWrites == count)
            let fsyncs = after.fsyncs - before.fsyncs
            print("\(count) concurrent saves: \(fsyncs) fsyncs")
            #expect(fsyncs >= 1 && fsyncs <= count / 2, "\(count) saves at once should share their fsyncs, took \(fsyncs)")
            for index in 0..<count { #expect(try store.load("group-\(index)").currentStep == "saved-concurrently") }
        }
    }

    @Test func aSaveCostsOneFsyncWhenAlone() async throws {
        try await StoreFixtures.withStore { store, layout in
            var instance = InstanceSamples.instance("alone-1")
            let start = store.statistics
            _ = try store.create(instance)
            instance.currentStep = "authorize"
            try store.save(instance)
            #expect(store.statistics == StoreStatistics(durableWrites: start.durableWrites + 2, fsyncs: start.fsyncs + 2))
            // The operator's file is the plain JSON the store decodes.
            let bytes = try #require(StoreFixtures.bytes(layout.instanceFile("alone-1")))
            #expect(try StateFileCoding.decoder().decode(FlowInstance.self, from: Data(bytes)) == instance)
        }
    }

    /// A process killed after the journal sync and before the rename: the record is durable, the file is the
    /// previous version, and the next open brings the file up to the record.
    @Test func openingReplaysASaveWhoseFileWasNotWritten() async throws {
        try await StoreFixtures.withStore { store, layout in
            var instance = InstanceSamples.instance("killed-1")
            _ = try store.create(instance)
            instance.currentStep = "capture"
            let journal = try #require(store.journal)
            let bytes = try store.encode(instance, instanceID: instance.id, path: layout.instanceFile(instance.id), limit: .max)
            #expect(throws: FileSystemError.self) {
                try journal.commit("instances/killed-1.json", bytes: bytes) { () throws(FileSystemError) in
                    throw FileSystemError("killed before the rename", layout.instanceFile("killed-1"), code: EINTR)
                }
            }
            #expect(try store.load("killed-1").currentStep != "capture", "the file still holds the previous version")

            let reopened = try FileInstanceStore(stateDirectory: store.stateDirectory)
            #expect(try reopened.load("killed-1") == instance)
            #expect(reopened.journalReplay?.applied == ["instances/killed-1.json"])
        }
    }

    /// A create whose journal record was appended but whose sync failed may still be replayed: it is reported as
    /// possibly stored (never "nothing was changed"), and its file is left where a restart would put it, so a
    /// repeated start with the same id finds it instead of a second instance appearing after the restart.
    @Test func aCreateWhoseJournalSyncFailedIsReportedAsPossiblyStoredAndNotUndone() async throws {
        try await TemporaryFolder.with("evflow-journal-sync") { base in
            let state = base.appending(path: "state")
            let failing = try FileInstanceStore(
                stateDirectory: state, faults: DurableFile.Faults(beforeCommit: { _ in nil }, journalSync: { EIO }))
            let instance = InstanceSamples.instance("sync-failed-1")
            do {
                _ = try failing.create(instance)
                Issue.record("the create should have failed")
            } catch let error as StoreError {
                #expect(error.code == .io)
                #expect(error.detail.contains("may still have been stored") && !error.detail.contains("nothing was changed"), "\(error.detail)")
            }
            #expect(FileManager.default.fileExists(atPath: state.appending(path: "instances/sync-failed-1.json").path),
                    "the file stays, as a replay of the appended record would restore it")
            let reopened = try FileInstanceStore(stateDirectory: state)
            #expect(try reopened.create(instance) == instance, "a repeated start with the same id finds the instance")
        }
    }

    /// After a machine restart a file renamed into place without an fsync may be empty; the journal restores
    /// every acknowledged save, and the checkpoint that follows empties the journal.
    @Test func afterAMachineRestartEveryAcknowledgedSaveIsRestored() async throws {
        try await StoreFixtures.withStore { store, layout in
            var expected = [FlowInstance]()
            for index in 0..<5 {
                var instance = InstanceSamples.instance("restart-\(index)")
                _ = try store.create(instance)
                instance.currentStep = "step-\(index)"
                try store.save(instance)
                expected.append(instance)
            }
            _ = try store.deliver(InstanceSamples.signal("s-1"), to: "restart-0")
            // What a power cut can leave of files whose data was never synced: empty, or missing.
            for index in 0..<4 { try StoreFixtures.write([], to: layout.instanceFile("restart-\(index)")) }
            unlink(layout.instanceFile("restart-4"))
            try FileManager.default.removeItem(atPath: layout.inboxDirectory("restart-0"))

            let restarted = try FileInstanceStore(stateDirectory: store.stateDirectory, faults: nil, journal: .init(boot: Self.otherBoot))
            for instance in expected { #expect(try restarted.load(instance.id) == instance) }
            #expect(try restarted.inbox(of: "restart-0").map(\.id) == ["s-1"])
            #expect(restarted.journalReplay?.afterRestart == true)
            #expect(try Self.journalSize(layout) == 0, "the checkpoint after a restart empties the journal")
            #expect(restarted.setAsideRecords().isEmpty)
        }
    }

    @Test func aRemovedSignalIsNotBroughtBackByReplay() async throws {
        try await StoreFixtures.withStore { store, layout in
            _ = try store.create(InstanceSamples.instance("absorbed-1"))
            _ = try store.deliver(InstanceSamples.signal("s-1"), to: "absorbed-1")
            try store.removeFromInbox(["s-1"], of: "absorbed-1")
            let restarted = try FileInstanceStore(stateDirectory: store.stateDirectory, faults: nil, journal: .init(boot: Self.otherBoot))
            #expect(try restarted.inbox(of: "absorbed-1").isEmpty)
            #expect(try restarted.instancesWithPendingSignals().isEmpty)
            _ = layout
        }
    }

    /// A writer killed mid-append leaves a partial record; records appended after it (another process) are
    /// still found, and nothing is set aside: nobody was told the partial one was durable.
    @Test func aTornRecordIsSkippedAndLaterRecordsStillReplay() async throws {
        try await StoreFixtures.withStore { store, layout in
            var instance = InstanceSamples.instance("torn-1")
            _ = try store.create(instance)
            let partial = JournalRecord(kind: .put, boot: [], path: "instances/torn-1.json", body: Array(repeating: UInt8(ascii: "x"), count: 500)).encoded()
            try Self.appendToJournal(Array(partial.prefix(200)), layout)
            instance.currentStep = "after-the-torn-record"
            try store.save(instance)
            try StoreFixtures.write([], to: layout.instanceFile("torn-1"))

            let restarted = try FileInstanceStore(stateDirectory: store.stateDirectory, faults: nil, journal: .init(boot: Self.otherBoot))
            #expect(try restarted.load("torn-1") == instance)
            let replay = try #require(restarted.journalReplay)
            #expect(replay.tornBytes == 200 && replay.damaged == 0, "\(replay)")
            #expect(restarted.setAsideRecords().isEmpty)
        }
    }

    /// A complete record whose checksum does not match is never applied; its bytes go to `corrupt/`.
    @Test func aDamagedRecordIsSetAsideAndNeverApplied() async throws {
        try await StoreFixtures.withStore { store, layout in
            let instance = InstanceSamples.instance("damaged-1")
            _ = try store.create(instance)
            var changed = instance
            changed.currentStep = "never-acknowledged"
            var record = JournalRecord(kind: .put, boot: [], path: "instances/damaged-1.json",
                                       body: try store.encode(changed, instanceID: changed.id, path: layout.instanceFile(changed.id), limit: .max)).encoded()
            record[record.count - 3] ^= 0x20
            try Self.appendToJournal(record, layout)

            let restarted = try FileInstanceStore(stateDirectory: store.stateDirectory, faults: nil, journal: .init(boot: Self.otherBoot))
            #expect(try restarted.load("damaged-1") == instance)
            let replay = try #require(restarted.journalReplay)
            #expect(replay.damaged == 1 && replay.setAside.count == 1, "\(replay)")
            #expect(restarted.setAsideRecords().map(\.name) == replay.setAside)
        }
    }

    /// Two stores on one folder, as `evflow serve` and a CLI command are: their appends interleave in one
    /// journal without losing or mixing a record.
    @Test func twoWritersShareOneJournal() async throws {
        try await StoreFixtures.withStore { store, layout in
            let other = try FileInstanceStore(stateDirectory: store.stateDirectory)
            let count = 24
            for index in 0..<count { _ = try store.create(InstanceSamples.instance("shared-\(index)")) }
            let failures = Self.concurrently(count) { index in
                var instance = InstanceSamples.instance("shared-\(index)")
                for round in 0..<3 {
                    instance.currentStep = "round-\(round)"
                    try (index % 2 == 0 ? store : other).save(instance)
                }
            }
            #expect(failures.isEmpty, "\(failures)")
            for index in 0..<count { try StoreFixtures.write([], to: layout.instanceFile("shared-\(index)")) }

            let restarted = try FileInstanceStore(stateDirectory: store.stateDirectory, faults: nil, journal: .init(boot: Self.otherBoot))
            for index in 0..<count { #expect(try restarted.load("shared-\(index)").currentStep == "round-2") }
            #expect(restarted.journalReplay?.damaged == 0 && restarted.journalReplay?.tornBytes == 0)
        }
    }

    /// Past its size the journal is checkpointed (files synced, journal emptied) and saves go on.
    @Test func aGrowingJournalIsCheckpointed() async throws {
        try await StoreFixtures.withStore { store, layout in
            let small = try FileInstanceStore(stateDirectory: store.stateDirectory, faults: nil, journal: .init(checkpointSize: 8_192))
            var instance = InstanceSamples.instance("checkpoint-1")
            _ = try small.create(instance)
            for round in 0..<20 {
                instance.currentStep = "round-\(round)"
                try small.save(instance)
            }
            #expect(try Self.journalSize(layout) < 8_192 * 2)
            #expect(try small.load("checkpoint-1") == instance)
            let reopened = try FileInstanceStore(stateDirectory: store.stateDirectory)
            #expect(try reopened.load("checkpoint-1") == instance)
        }
    }

    // MARK: - Helpers

    /// Runs `body(0..<count)` on `count` threads at once; returns the errors thrown.
    static func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
        let failures = FailureList()
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for index in 0..<count {
            group.enter()
            Thread.detachNewThread {
                start.wait()
                do { try body(index) } catch { failures.list.withLock { $0.append("\(index): \(error)") } }
                group.leave()
            }
        }
        for _ in 0..<count { start.signal() }
        group.wait()
        return failures.list.withLock { $0 }
    }

    final class FailureList: Sendable {
        let list = Mutex<[String]>([])
    }

    static func journalFile(_ layout: StateLayout) -> String { layout.journal + "/saves.journal" }

    static func journalSize(_ layout: StateLayout) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: journalFile(layout))[.size] as? Int) ?? -1
    }

    static func appendToJournal(_ bytes: [UInt8], _ layout: StateLayout) throws {
        let handle = try FileHandle(forWritingTo: URL(filePath: journalFile(layout)))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }
}
