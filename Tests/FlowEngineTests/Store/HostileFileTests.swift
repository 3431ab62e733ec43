import Dispatch
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

/// Whatever someone with access to the machine drops into the state directory (a symlink, a FIFO, a directory,
/// a huge sparse file), evflow never follows it, never blocks on it, never truncates or re-permissions what it
/// points to, sets it aside in `corrupt/` with a report naming it, and keeps running the other instances.
struct HostileFileTests {
    /// Something that is not a regular state file, planted where one is expected.
    enum Entry: String, CaseIterable, CustomTestStringConvertible {
        case symlinkToDevZero, danglingSymlink, symlinkToOutsideFile, fifo, directory, hugeSparseFile

        var testDescription: String { rawValue }

        /// A phrase the report must contain.
        var expected: String {
            switch self {
            case .symlinkToDevZero, .danglingSymlink, .symlinkToOutsideFile: return "a symbolic link"
            case .fifo: return "a FIFO"
            case .directory: return "a directory"
            case .hugeSparseFile: return "above the limit"
            }
        }

        /// Creates the entry at `path`; `outside` is a file outside the state directory a symlink may point to.
        func plant(at path: String, outside: String) throws {
            switch self {
            case .symlinkToDevZero: try #require(symlink("/dev/zero", path) == 0)
            case .danglingSymlink: try #require(symlink(outside + ".missing", path) == 0)
            case .symlinkToOutsideFile: try #require(symlink(outside, path) == 0)
            case .fifo: try #require(mkfifo(path, 0o600) == 0)
            case .directory:
                try #require(mkdir(path, 0o700) == 0)
                try StoreFixtures.write(Array("kept".utf8), to: path + "/inside.txt")
            case .hugeSparseFile:
                let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
                try #require(descriptor >= 0)
                defer { close(descriptor) }
                try #require(ftruncate(descriptor, 3 << 30) == 0, "a sparse 3 GB file")
            }
        }

        /// The file type `lstat` must still report for the entry once it is set aside.
        var fileType: mode_t {
            switch self {
            case .symlinkToDevZero, .danglingSymlink, .symlinkToOutsideFile: return S_IFLNK
            case .fifo: return S_IFIFO
            case .directory: return S_IFDIR
            case .hugeSparseFile: return S_IFREG
            }
        }
    }

    @Test(arguments: Entry.allCases)
    func anInstanceFileThatIsNotARegularFileIsSetAsideAndTheRestKeepsRunning(entry: Entry) async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let outside = try Self.outsideFile(near: layout)
            let good = InstanceSamples.instance("good-1")
            _ = try store.create(good)
            let path = layout.instanceFile("hostile-1")
            try entry.plant(at: path, outside: outside.path)

            let outcome = try #require(Self.withinTimeLimit(release: { Self.releaseReader(of: path) }) {
                Result { () throws(StoreError) in try store.loadOutline("hostile-1") }
            })
            let error = try #require(expectStoreError(.corrupt) { try outcome.get() })
            #expect(error.instanceID == "hostile-1")
            #expect(error.path == path)
            #expect(error.detail.contains(entry.expected), "\(error.detail)")
            let aside = try #require(error.quarantinedTo)
            #expect(aside.hasPrefix(layout.corrupt + "/hostile-1-"))
            #expect(Self.fileType(aside) == entry.fileType, "the entry itself was moved, not what it points to")
            #expect(Self.fileType(path) == nil)
            if entry == .directory { #expect(StoreFixtures.bytes(aside + "/inside.txt") == Array("kept".utf8)) }
            #expect(try outside.unchanged(), "the file a symlink pointed to is untouched")

            #expect(try store.instanceIDs() == ["good-1"])
            #expect(try store.load("good-1") == good, "other instances are unaffected")
            expectStoreError(.notFound) { try store.load("hostile-1") }
        }
    }

    @Test(arguments: [Entry.symlinkToOutsideFile, .fifo, .directory])
    func aSignalFileThatIsNotARegularFileIsSetAsideAndTheOthersAreDelivered(entry: Entry) async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("s-1"))
            #expect(try store.deliver(InstanceSamples.signal("m-1"), to: "s-1"))
            let outside = try Self.outsideFile(near: layout)
            let path = layout.inboxDirectory("s-1") + "/" + String(repeating: "0", count: 64) + ".json"
            try entry.plant(at: path, outside: outside.path)

            let outcome = try #require(Self.withinTimeLimit(release: { Self.releaseReader(of: path) }) {
                Result { () throws(StoreError) in try store.inbox(of: "s-1") }
            })
            let error = try #require(expectStoreError(.corrupt) { try outcome.get() })
            #expect(error.detail.contains(entry.expected), "\(error.detail)")
            let aside = try #require(error.quarantinedTo, "set aside, so the runner does not retry it every 5 s")
            #expect(Self.fileType(aside) == entry.fileType)
            #expect(try store.inbox(of: "s-1").map(\.id) == ["m-1"])
            #expect(try outside.unchanged())
        }
    }

    @Test func aSymlinkedInboxIsSetAsideAndNothingIsReadWrittenOrMovedWhereItPoints() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("s-1"))
            let elsewhere = DurableFile.directory(of: layout.root) + "/elsewhere-\(UUID().uuidString)"
            try #require(mkdir(elsewhere, 0o755) == 0)
            // Someone else's directory, holding a file that decodes as a signal.
            let theirs = elsewhere + "/" + String(repeating: "a", count: 64) + ".json"
            try StoreFixtures.write(Array(try StateFileCoding.encoder().encode(InstanceSamples.signal("planted"))), to: theirs)
            let before = StoreFixtures.entries(elsewhere)
            try #require(symlink(elsewhere, layout.inboxDirectory("s-1")) == 0)

            let error = try #require(expectStoreError(.corrupt) { try store.inbox(of: "s-1") })
            #expect(error.detail.contains("a symbolic link"), "\(error.detail)")
            #expect(Self.fileType(try #require(error.quarantinedTo)) == S_IFLNK)
            #expect(try store.inbox(of: "s-1").isEmpty, "the planted signal was never taken in")

            try #require(symlink(elsewhere, layout.inboxDirectory("s-1")) == 0)
            #expect(try store.deliver(InstanceSamples.signal("m-1"), to: "s-1"))
            #expect(Self.fileType(layout.inboxDirectory("s-1")) == S_IFDIR, "delivered into a real inbox")
            #expect(try store.inbox(of: "s-1").map(\.id) == ["m-1"])
            #expect(StoreFixtures.entries(elsewhere) == before, "nothing written or moved where the link pointed")
            #expect(StoreFixtures.bytes(theirs) != nil)
        }
    }

    @Test func openingTheStoreRemovesNoTemporaryFileWhereASymlinkedInboxPoints() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let elsewhere = DurableFile.directory(of: layout.root) + "/elsewhere-\(UUID().uuidString)"
            try #require(mkdir(elsewhere, 0o755) == 0)
            let theirs = elsewhere + "/.draft.tmp"
            try StoreFixtures.write(Array("someone's draft".utf8), to: theirs)
            let anHourAgo = Date().addingTimeInterval(-3600)
            try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: theirs)
            try #require(symlink(elsewhere, layout.inboxDirectory("s-1")) == 0)

            _ = try FileInstanceStore(stateDirectory: store.stateDirectory)
            #expect(StoreFixtures.bytes(theirs) == Array("someone's draft".utf8), "only the store's own folders are cleaned")
        }
    }

    @Test func aSymlinkedDefinitionIsNotFollowed() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let bytes = Array(#"{"name":"ev-charging"}"#.utf8)
            let hash = StateLayout.sha256(bytes)
            let outside = try Self.outsideFile(near: layout, bytes)
            try #require(symlink(outside.path, layout.definitionFile(hash)) == 0)

            let error = try #require(expectStoreError(.corrupt) { try store.loadDefinition(contentHash: hash) })
            #expect(error.detail.contains("a symbolic link"), "\(error.detail)")
            #expect(Self.fileType(try #require(error.quarantinedTo)) == S_IFLNK)
            #expect(try outside.unchanged())
            try store.saveDefinition(bytes, contentHash: hash)
            #expect(try store.loadDefinition(contentHash: hash) == bytes, "a real copy can be stored again")
        }
    }

    @Test func aFileAboveItsLimitIsNeitherWrittenNorRead() async throws {
        let limits = StateFileLimits(instance: 2048, signal: 512, definition: 256)
        try await StoreFixtures.withStore(limits: limits) { store, layout throws in
            let big = InstanceSamples.instance("big-1")
            let error = try #require(expectStoreError(.io) { try store.create(big) })
            #expect(error.detail.contains("above the limit of 2048 bytes"), "\(error.detail)")
            #expect(Self.fileType(layout.instanceFile("big-1")) == nil, "nothing was written")

            let large = Array(#"{"padding":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 300) + Array(#""}"#.utf8)
            expectStoreError(.io) { try store.saveDefinition(large, contentHash: StateLayout.sha256(large)) }
            try StoreFixtures.write(large, to: layout.definitionFile(StateLayout.sha256(large)))
            let refused = try #require(expectStoreError(.corrupt) { try store.loadDefinition(contentHash: StateLayout.sha256(large)) })
            #expect(refused.detail.contains("above the limit of 256 bytes"), "\(refused.detail)")
            #expect(StoreFixtures.bytes(try #require(refused.quarantinedTo)) == large, "set aside byte for byte")
        }
    }

    // MARK: - Helpers

    /// A file outside the state directory, to point symlinks at, and a check that it was not touched.
    struct OutsideFile {
        var path: String
        var bytes: [UInt8]
        var mode: Int

        func unchanged() throws -> Bool {
            try StoreFixtures.bytes(path) == bytes && StoreFixtures.mode(path) == mode
        }
    }

    static func outsideFile(near layout: StateLayout, _ bytes: [UInt8] = Array("precious, not evflow's\n".utf8)) throws -> OutsideFile {
        let path = DurableFile.directory(of: layout.root) + "/outside-\(UUID().uuidString)"
        try StoreFixtures.write(bytes, to: path)
        try #require(chmod(path, 0o644) == 0)
        return OutsideFile(path: path, bytes: bytes, mode: 0o644)
    }

    /// The type bits `lstat` reports for `path` (the entry itself, never what it points to), or `nil`.
    static func fileType(_ path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }

    /// Runs `body` on its own thread and gives up after `seconds`, so a read that blocks fails the test instead
    /// of hanging the run; `release` then unblocks it so the thread can finish.
    static func withinTimeLimit<T: Sendable>(
        seconds: Double = 30, release: () -> Void, sourceLocation: SourceLocation = #_sourceLocation, _ body: @escaping @Sendable () -> T
    ) -> T? {
        let result = Mutex<T?>(nil)
        let done = DispatchGroup()
        done.enter()
        DispatchQueue.global().async {
            let value = body()
            result.withLock { $0 = value }
            done.leave()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            Issue.record("still blocked after \(seconds) s", sourceLocation: sourceLocation)
            // The blocked code may open the FIFO again after each release; keep releasing it for a while, then
            // leave the thread behind rather than hang the whole run.
            for _ in 0..<100 {
                release()
                if done.wait(timeout: .now() + 0.1) == .success { break }
            }
            return nil
        }
        return result.withLock { $0 }
    }

    /// A reader blocked opening a FIFO wakes up once a writer opens and closes it.
    static func releaseReader(of path: String) {
        let descriptor = open(path, O_WRONLY | O_NONBLOCK)
        if descriptor >= 0 { close(descriptor) }
    }
}
