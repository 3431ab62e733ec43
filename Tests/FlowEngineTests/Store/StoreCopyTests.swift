import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// `evflow store copy`'s engine: every instance, inbox signal and pinned definition arrives, a second run changes
/// nothing, a differing target is never overwritten, and a held lock refuses the copy.
struct StoreCopyTests {
    /// SHA-256 of ``definitionBytes``: the store checks that a definition is stored under its own hash.
    static let hash = "e70cda5f440a61c596328f53cf259856d8c9444e363118fe147206e801b5f1fb"
    static let definitionBytes = Array(#"{"name": "ev-charging", "version": 3}"#.utf8)

    /// A source folder with three instances (one with two waiting signals) and their pinned definition, and an
    /// empty target folder.
    struct Bed {
        let base: URL
        var sourceURL: URL { base.appending(path: "source") }
        var targetURL: URL { base.appending(path: "target") }
        var source: StoreLocation { .directory(sourceURL) }
        var target: StoreLocation { .directory(targetURL) }
        let ids = ["session-1", "session-2", "session-3"]

        static func with(_ body: (Bed) throws -> Void) throws {
            let sample = StoreCopyTests.sample
            let base = try TemporaryFolder.make("evflow-store-copy")
            defer { TemporaryFolder.remove(base) }
            let bed = Bed(base: base)
            let store = try FileInstanceStore(stateDirectory: bed.sourceURL)
            for id in bed.ids { #expect(try store.create(sample(id)) == nil) }
            try store.saveDefinition(definitionBytes, contentHash: hash)
            #expect(try store.deliver(InstanceSamples.signal("s-1"), to: "session-2"))
            #expect(try store.deliver(InstanceSamples.signal("s-2", name: "sessionEnded"), to: "session-2"))
            try body(bed)
        }

        func open(_ url: URL) throws -> FileInstanceStore { try FileInstanceStore(stateDirectory: url) }
    }

    @Test func copiesEveryInstanceSignalAndDefinitionAndVerifies() throws {
        try Bed.with { bed in
            let report = try StoreCopy(from: bed.source, to: bed.target).run()
            #expect(report.instances == 3 && report.instancesCopied == 3 && report.instancesAlreadyThere == 0)
            #expect(report.signals == 2 && report.signalsCopied == 2)
            #expect(report.definitions == 1 && report.definitionsCopied == 1)
            #expect(report.verified == 3 && report.isComplete)
            let source = try bed.open(bed.sourceURL), target = try bed.open(bed.targetURL)
            #expect(try target.instanceIDs().sorted() == bed.ids)
            for id in bed.ids { #expect(try target.load(id) == source.load(id)) }
            #expect(try target.inbox(of: "session-2") == source.inbox(of: "session-2"))
            #expect(try target.loadDefinition(contentHash: Self.hash) == Self.definitionBytes)
            #expect(try source.instanceIDs().count == 3, "the source keeps everything")
        }
    }

    @Test func aSecondRunChangesNothing() throws {
        try Bed.with { bed in
            _ = try StoreCopy(from: bed.source, to: bed.target).run()
            let before = try folderContents(bed.targetURL)
            let again = try StoreCopy(from: bed.source, to: bed.target).run()
            #expect(again.instancesCopied == 0 && again.instancesAlreadyThere == 3)
            #expect(again.signalsCopied == 0 && again.definitionsCopied == 0 && !again.changedTarget)
            #expect(again.verified == 3 && again.isComplete)
            #expect(try folderContents(bed.targetURL) == before, "no file in the target was rewritten")
        }
    }

    @Test func aDifferingTargetInstanceIsNeverOverwritten() throws {
        try Bed.with { bed in
            var moved = Self.sample("session-1")
            moved.status = .succeeded
            let target = try bed.open(bed.targetURL)
            #expect(try target.create(moved) == nil)
            let report = try StoreCopy(from: bed.source, to: bed.target).run()
            #expect(report.conflicts == ["session-1"])
            #expect(report.instancesCopied == 2 && report.verified == 2 && !report.isComplete)
            #expect(try target.load("session-1") == moved, "the target's version stays")
        }
    }

    @Test func aHeldLockRefusesTheCopyBeforeAnythingIsWritten() throws {
        try Bed.with { bed in
            let worker = try bed.open(bed.sourceURL)
            let held = try #require(try worker.lock("session-3"))
            defer { held.release() }
            let error = #expect(throws: StoreCopyError.self) { try StoreCopy(from: bed.source, to: bed.target).run() }
            #expect(error?.code == .locked && error?.instanceID == "session-3")
            #expect(error?.description.contains("stop every evflow worker") == true, "\(String(describing: error))")
            #expect(try bed.open(bed.targetURL).instanceIDs().isEmpty)
        }
    }

    @Test func aDryRunCountsAndWritesNothing() throws {
        try Bed.with { bed in
            let report = try StoreCopy(from: bed.source, to: bed.target).run(dryRun: true)
            #expect(report.dryRun && report.instancesCopied == 3 && report.signalsCopied == 2 && report.definitionsCopied == 1)
            #expect(report.verified == 0)
            #expect(try bed.open(bed.targetURL).instanceIDs().isEmpty)
        }
    }

    @Test func anUnreadableSourceInstanceIsSetAsideAndReported() throws {
        try Bed.with { bed in
            let source = try bed.open(bed.sourceURL)
            try Data("{not json".utf8).write(to: URL(filePath: source.layout.instanceFile("session-2")))
            let report = try StoreCopy(from: bed.source, to: bed.target).run()
            #expect(report.unreadable == ["session-2"] && !report.isComplete)
            #expect(report.instancesCopied == 2 && report.verified == 2)
            #expect(source.setAsideRecords().count == 1, "moved to corrupt/, not deleted")
            #expect(try bed.open(bed.targetURL).instanceIDs().sorted() == ["session-1", "session-3"])
        }
    }

    /// A sample instance pinned to ``definitionBytes``.
    static func sample(_ id: String) -> FlowInstance {
        var instance = InstanceSamples.instance(id)
        instance.flow = InstanceSamples.pinned(name: "ev-charging", version: 3, contentHash: hash)
        return instance
    }

    /// Every file under `url` with its bytes and modification time.
    /// Every record file with its content and time: the derived files (the outline index, which reads may compact,
    /// and the group-commit journal, emptied at checkpoints) are left out, since they are not records.
    func folderContents(_ url: URL) throws -> [String: String] {
        var contents: [String: String] = [:]
        let derived = ["index", "journal"].map { url.appending(path: $0).standardizedFileURL.path + "/" }
        let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.contentModificationDateKey, .isRegularFileKey])
        while let file = enumerator?.nextObject() as? URL {
            let values = try file.resourceValues(forKeys: [.contentModificationDateKey, .isRegularFileKey])
            guard values.isRegularFile == true else { continue }
            if derived.contains(where: { file.standardizedFileURL.path.hasPrefix($0) }) { continue }
            let data = try Data(contentsOf: file)
            contents[file.path] = "\(data.hashValue) \(values.contentModificationDate?.timeIntervalSince1970 ?? 0)"
        }
        return contents
    }
}
