import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lock files, the state directory itself and instance ids cannot be turned against evflow: a lock file that is
/// not the runner's own regular file is refused without touching it, a state directory others can write (or
/// that the runner does not own) is refused with the command that fixes it, and an id that differs from an
/// existing one only by case is refused before anything is moved.
///
/// The tests run as root, so "someone else" is a uid the tests `chown` to (12345); the store compares owners
/// with `geteuid()`, whoever runs it.
struct HostileStateDirectoryTests {
    static let stranger: uid_t = 12345

    // MARK: Lock files

    @Test func aSymlinkedLockFileIsRefusedAndWhatItPointsToIsUntouched() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let outside = try HostileFileTests.outsideFile(near: layout)
            try #require(symlink(outside.path, layout.lockFile("s-1")) == 0)

            let error = try #require(expectStoreError(.io) { try store.lock("s-1") })
            #expect(error.detail.contains("a symbolic link"), "\(error.detail)")
            #expect(error.detail.contains("rm \(layout.lockFile("s-1"))"), "the fix is in the message: \(error.detail)")
            #expect(try outside.unchanged(), "not truncated, not re-permissioned")
            #expect(store.lockHolder("s-1") == nil)
            #expect(try outside.unchanged())
        }
    }

    @Test func aLockFileOwnedBySomeoneElseIsRefusedAndLeftAsItIs() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let path = layout.lockFile("s-1")
            try StoreFixtures.write(Array("4242\n".utf8), to: path)
            try #require(chmod(path, 0o644) == 0 && chown(path, Self.stranger, Self.stranger) == 0)

            let error = try #require(expectStoreError(.io) { try store.lock("s-1") })
            #expect(error.detail.contains("owned by uid \(Self.stranger)"), "\(error.detail)")
            #expect(error.detail.contains("chown \(geteuid()) \(path)"), "the fix is in the message: \(error.detail)")
            #expect(StoreFixtures.bytes(path) == Array("4242\n".utf8))
            #expect(try StoreFixtures.mode(path) == 0o644)
        }
    }

    @Test func aFIFOAsLockFileNeitherLocksNorBlocksTheLockHolderProbe() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let path = layout.lockFile("s-1")
            try #require(mkfifo(path, 0o600) == 0)
            let probe = HostileFileTests.withinTimeLimit(release: { HostileFileTests.releaseReader(of: path) }) {
                store.lockHolder("s-1")
            }
            #expect(probe == .some(nil), "`evflow list` asks who holds each lock; a FIFO must not hang it")
            let error = try #require(expectStoreError(.io) { try store.lock("s-1") })
            #expect(error.detail.contains("a FIFO"), "\(error.detail)")
        }
    }

    // MARK: The state directory

    @Test(arguments: [0o777, 0o770, 0o702, 0o1777])
    func aStateDirectoryOthersCanWriteIsRefusedWithTheFix(mode: Int) throws {
        try Self.withRoot { root in
            try #require(mkdir(root.path, 0o700) == 0 && chmod(root.path, mode_t(mode)) == 0)
            let error = try #require(expectStoreError(.io) { try FileInstanceStore(stateDirectory: root) })
            #expect(error.description.contains("writable by"), "\(error)")
            #expect(error.description.contains("chmod 700 \(root.path)"), "\(error)")
            #expect(Self.entries(root).isEmpty, "nothing was created in it")
        }
    }

    @Test func aStateDirectoryOwnedBySomeoneElseIsRefusedWithTheFix() throws {
        try Self.withRoot { root in
            try #require(mkdir(root.path, 0o700) == 0 && chown(root.path, Self.stranger, Self.stranger) == 0)
            let error = try #require(expectStoreError(.io) { try FileInstanceStore(stateDirectory: root) })
            #expect(error.description.contains("owned by uid \(Self.stranger)"), "\(error)")
            #expect(error.description.contains("chown \(geteuid()) \(root.path)"), "\(error)")
        }
    }

    enum Subdirectory: String, CaseIterable, CustomTestStringConvertible {
        case ownedBySomeoneElse, symlinkElsewhere
        var testDescription: String { rawValue }
    }

    @Test(arguments: Subdirectory.allCases)
    func aSubdirectoryThatIsNotTheRunnersOwnIsRefused(kind: Subdirectory) throws {
        try Self.withRoot { root in
            _ = try FileInstanceStore(stateDirectory: root)
            let instances = root.path + "/instances"
            let elsewhere = root.deletingLastPathComponent().path + "/elsewhere"
            switch kind {
            case .ownedBySomeoneElse:
                try #require(chown(instances, Self.stranger, Self.stranger) == 0)
            case .symlinkElsewhere:
                try #require(mkdir(elsewhere, 0o755) == 0 && rmdir(instances) == 0 && symlink(elsewhere, instances) == 0)
            }
            let error = try #require(expectStoreError(.io) { try FileInstanceStore(stateDirectory: root) })
            #expect(error.description.contains(instances), "\(error)")
            #expect(error.description.contains(kind == .symlinkElsewhere ? "a symbolic link" : "chown \(geteuid()) \(instances)"), "\(error)")
            if kind == .symlinkElsewhere { #expect(try StoreFixtures.mode(elsewhere) == 0o755, "not re-permissioned") }
        }
    }

    @Test func aStateDirectoryMadeByHandWithTheUsualModeIsAccepted() throws {
        try Self.withRoot { root in
            // 0755: readable by others (not advisable, but not dangerous to the runner), writable by the owner only.
            try #require(mkdir(root.path, 0o755) == 0 && chmod(root.path, 0o755) == 0)
            let store = try FileInstanceStore(stateDirectory: root)
            _ = try store.create(InstanceSamples.instance("s-1"))
            #expect(try store.instanceIDs() == ["s-1"])
        }
    }

    // MARK: Ids that differ only by case

    @Test func anIDThatDiffersOnlyByCaseIsRefusedBeforeAnythingIsMoved() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let original = InstanceSamples.instance("Session-1")
            _ = try store.create(original)
            // What a case-insensitive file system (macOS, Windows) shows: both names open the same file.
            try #require(link(layout.instanceFile("Session-1"), layout.instanceFile("session-1")) == 0)

            // create: a start; load; loadOutline: what FlowRunner.signal reads before it delivers, so a signal for
            // session-1 cannot land in Session-1's inbox (one directory on such a file system).
            for attempt in ["create", "load", "loadOutline"] {
                let error = try #require(expectStoreError(.invalidID) {
                    switch attempt {
                    case "create": _ = try store.create(InstanceSamples.instance("session-1"))
                    case "load": _ = try store.load("session-1")
                    default: _ = try store.loadOutline("session-1")
                    }
                }, "\(attempt)")
                #expect(error.detail.contains("\"Session-1\""), "\(error.detail)")
                #expect(error.detail.contains("only by case"), "\(error.detail)")
                #expect(error.quarantinedTo == nil)
            }
            #expect(StoreFixtures.entries(layout.corrupt).isEmpty, "nothing was moved aside")
            #expect(try store.load("Session-1") == original)
        }
    }

    // MARK: - Helpers

    /// A state directory path (not yet created) in a fresh temporary folder, removed afterwards.
    static func withRoot(_ body: (URL) throws -> Void) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        try body(base.appendingPathComponent("state"))
    }

    static func entries(_ directory: URL) -> [String] { StoreFixtures.entries(directory.path) }
}
