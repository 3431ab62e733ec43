import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// The outline index answers `list` and start-up from one file, stays in step with every save, and is never
/// trusted blindly: missing, damaged, old or stale indexes are noticed and rebuilt from the instance files.
struct OutlineIndexTests {
    /// The outlines the files say, by id: what the index must always agree with.
    static func outlinesFromFiles(_ store: FileInstanceStore) throws -> [String: InstanceOutline] {
        var outlines: [String: InstanceOutline] = [:]
        for id in try store.instanceIDs() { outlines[id] = InstanceOutline(try store.load(id)) }
        return outlines
    }

    static func outlines(_ store: FileInstanceStore) throws -> [String: InstanceOutline] {
        var outlines: [String: InstanceOutline] = [:]
        for (id, result) in try store.allOutlines() { outlines[id] = try result.get() }
        return outlines
    }

    /// The entries the index file holds now, read as a reader would, without repairing anything.
    static func entries(_ store: FileInstanceStore) throws -> [String: OutlineIndex.Entry] {
        guard case .read(let contents) = try #require(store.index).read() else {
            Issue.record("the index is unusable")
            return [:]
        }
        return contents.entries
    }

    static func sampleStore(_ count: Int, _ body: (FileInstanceStore, StateLayout) async throws -> Void) async throws {
        try await StoreFixtures.withStore { store, layout in
            for number in 0..<count { _ = try store.create(InstanceSamples.instance("idx-\(number)")) }
            try store.refreshIndex(because: nil)  // compacted, as a long-lived folder's index is
            try await body(store, layout)
        }
    }

    static func logPath(_ store: FileInstanceStore) throws -> String { try #require(store.index).logPath }

    /// What fsck says about the index (the samples pin a definition these stores do not hold, which fsck reports too).
    static func indexDifferences(_ store: FileInstanceStore) throws -> [StoreCheck.Difference.Kind] {
        try store.checkConsistency(repair: false) { _, _ in }.differences.map(\.kind).filter { $0 != .missingDefinition }
    }

    @Test func theIndexFollowsEverySaveCreateAndSetAside() async throws {
        try await Self.sampleStore(3) { store, layout in
            #expect(try Self.outlines(store) == Self.outlinesFromFiles(store), "built from the files on first read")
            var moved = try store.load("idx-1")
            moved.status = .failed
            moved.currentStep = "capture"
            moved.updatedAt = moved.updatedAt.addingTimeInterval(60)
            try store.save(moved)
            _ = try store.create(InstanceSamples.instance("idx-new"))
            try StoreFixtures.write(Array("garbage".utf8), to: layout.instanceFile("idx-2"))
            _ = try? store.load("idx-2")  // sets the file aside

            let entries = try Self.entries(store)
            guard case .record(let saved)? = entries["idx-1"], case .record(let created)? = entries["idx-new"] else {
                Issue.record("saves and creates append their outline: \(entries)")
                return
            }
            #expect(saved.outline == InstanceOutline(try store.load("idx-1")))
            #expect(saved.file == FileStamp(path: layout.instanceFile("idx-1")))
            #expect(created.outline == InstanceOutline(try store.load("idx-new")))
            #expect(entries["idx-2"] == .removed)
            let outlines = try Self.outlines(store)
            #expect(outlines == (try Self.outlinesFromFiles(store)))
            #expect(Set(outlines.keys) == ["idx-0", "idx-1", "idx-new"])
            #expect(outlines["idx-1"]?.status == .failed)
        }
    }

    @Test func listingsReadTheIndexNotTheFiles() async throws {
        try await Self.sampleStore(2) { store, layout in
            let before = try Self.outlines(store)
            // Damage a file behind the store's back: a reader of the index does not open it (so nothing is set aside),
            // while fsck still finds it.
            try StoreFixtures.write(Array("not json".utf8), to: layout.instanceFile("idx-0"))
            #expect(try Self.outlines(store) == before)
            #expect(StoreFixtures.entries(layout.corrupt).isEmpty)
            let check = try store.checkConsistency(repair: false) { _, _ in }
            #expect(check.differences.map(\.kind).contains(.unreadableInstance))
        }
    }

    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case deleted, truncated, garbage, garbageLine, olderVersion, empty
        var testDescription: String { rawValue }

        func apply(_ path: String) throws {
            let valid = try #require(StoreFixtures.bytes(path))
            switch self {
            case .deleted: try FileManager.default.removeItem(atPath: path)
            case .truncated: try StoreFixtures.write(Array(valid.prefix(valid.count / 2)), to: path)
            case .garbage: try StoreFixtures.write([0xff, 0x00, 0x13] + Array(repeating: 0x80, count: 200) + [0x0A], to: path)
            case .garbageLine: try StoreFixtures.write(valid + Array("R\t{\"id\": 12}\n".utf8), to: path)
            case .olderVersion:
                var text = String(decoding: valid, as: UTF8.self)
                text = text.replacingOccurrences(of: "\(OutlineIndex.magic) \(OutlineIndex.version) ", with: "\(OutlineIndex.magic) 0 ")
                try StoreFixtures.write(Array(text.utf8), to: path)
            case .empty: try StoreFixtures.write([], to: path)
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func aDamagedIndexIsRebuiltFromTheFiles(damage: Damage) async throws {
        try await Self.sampleStore(40) { store, _ in
            let truth = try Self.outlines(store)
            #expect(truth.count == 40)
            let path = try Self.logPath(store)
            try damage.apply(path)
            if damage != .deleted {
                #expect(try Self.indexDifferences(store) == [.indexUnusable], "fsck reports it")
            }
            #expect(try Self.outlines(store) == truth, "nothing lost")
            #expect(try Self.outlines(store) == Self.outlinesFromFiles(store))
            guard case .read(let contents) = try #require(store.index).read() else {
                Issue.record("the index was rewritten")
                return
            }
            #expect(contents.header.version == OutlineIndex.version)
            #expect(contents.entries.count == 40)
            #expect(try Self.indexDifferences(store).isEmpty)
        }
    }

    @Test func aProcessKilledBetweenItsFileAndItsIndexLineLosesNothing() async throws {
        try await Self.sampleStore(3) { store, layout in
            _ = try Self.outlines(store)
            // What a save killed after its rename leaves: the `P` line, the new file, no `R` line.
            var changed = try store.load("idx-0")
            changed.status = .succeeded
            changed.currentStep = nil
            try #require(store.index).append(.pending(since: Int64(Date().timeIntervalSince1970)), id: "idx-0")
            try StoreFixtures.write(Array(try StateFileCoding.encoder().encode(changed)), to: layout.instanceFile("idx-0"))

            #expect(try Self.outlines(store)["idx-0"]?.status == .succeeded)
            #expect(try Self.outlines(store) == Self.outlinesFromFiles(store))
        }
    }

    @Test func afterAMachineRestartEveryEntryIsCheckedAgainstItsFile() async throws {
        try await Self.sampleStore(3) { store, layout in
            _ = try Self.outlines(store)
            // A machine crash lost the index lines of a save that reached the disk: the entry is stale and no `P` says so.
            var changed = try store.load("idx-2")
            changed.status = .failed
            try StoreFixtures.write(Array(try StateFileCoding.encoder().encode(changed)), to: layout.instanceFile("idx-2"))
            let check = try store.checkConsistency(repair: false) { _, _ in }
            #expect(try Self.indexDifferences(store) == [.indexStaleEntry])
            #expect(check.differences.first?.instanceID == "idx-2")

            let path = try Self.logPath(store)
            let text = String(decoding: try #require(StoreFixtures.bytes(path)), as: UTF8.self)
            let rebooted = text.replacingOccurrences(of: "boot=\(try #require(store.index).bootID)", with: "boot=an-earlier-boot")
            #expect(rebooted != text)
            try StoreFixtures.write(Array(rebooted.utf8), to: path)

            #expect(try Self.outlines(store)["idx-2"]?.status == .failed, "the stale entry was noticed by its stamp")
            #expect(try Self.indexDifferences(store).isEmpty)
        }
    }

    @Test func aLongLogIsCompactedToOneLinePerInstance() async throws {
        try await Self.sampleStore(2) { store, _ in
            _ = try Self.outlines(store)
            var instance = try store.load("idx-0")
            for minute in 0..<600 {
                instance.updatedAt = InstanceSamples.start.addingTimeInterval(Double(minute) * 60)
                try store.save(instance)
            }
            #expect(try Self.outlines(store) == Self.outlinesFromFiles(store))
            guard case .read(let contents) = try #require(store.index).read() else {
                Issue.record("index unusable")
                return
            }
            #expect(contents.lines == 2, "1,200 appended lines compacted into two records")
        }
    }
}
