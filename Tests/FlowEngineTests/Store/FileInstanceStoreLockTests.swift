import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// flock locks belong to an open file description, so a second `lock` in the same process conflicts exactly
/// as another runner's would; the crash case uses a real child process.
struct FileInstanceStoreLockTests {
    @Test func oneHolderAtATimeUntilReleased() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let first = try #require(try store.lock("lock-1"))
            #expect(try store.lock("lock-1") == nil, "a second runner is refused")
            #expect(try store.lock("lock-2") != nil, "other instances are independent")
            #expect(store.lockHolder("lock-1")?.processID == getpid())
            #expect(StoreFixtures.bytes(layout.lockFile("lock-1")) == Array("\(getpid())\n".utf8))

            first.release()
            first.release()  // harmless
            #expect(store.lockHolder("lock-1") == nil)
            let second = try #require(try store.lock("lock-1"), "free again after release")
            #expect(try store.lock("lock-1") == nil)
            second.release()
        }
    }

    @Test func aCopyOfTheStoreSharesTheLocks() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            let other = try FileInstanceStore(stateDirectory: store.stateDirectory)
            let held = try #require(try store.lock("shared-1"))
            #expect(try other.lock("shared-1") == nil)
            held.release()
            #expect(try other.lock("shared-1") != nil)
        }
    }

    @Test func droppingTheLockObjectReleasesIt() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            do {
                let held = try #require(try store.lock("drop-1"))
                #expect(try store.lock("drop-1") == nil)
                _ = held
            }
            #expect(try store.lock("drop-1") != nil)
        }
    }

    @Test func nobodyHoldsALockThatWasNeverTaken() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            #expect(store.lockHolder("never-1") == nil)
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux flock"),
          .timeLimit(.minutes(1)))
    func aLockHeldByAProcessThatDiesIsRecovered() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            try #require(try store.lock("dead-1")).release()  // creates the lock file
            // The shell opens the lock file on fd 9, locks it with flock(1), writes its pid as a runner would,
            // then becomes `sleep` (same pid, fd 9 still open and locked): a runner that hangs until killed.
            let child = try ChildProcess(URL(filePath: "/bin/sh"),
                                         ["-c", #"exec 9>>"$0"; /usr/bin/flock -x 9; echo $$ >&9; exec sleep 60"#, layout.lockFile("dead-1")])
            defer { child.kill() }

            try await waitUntil("the child to hold the lock", lastSeen: { "holder \(store.lockHolder("dead-1").map { "\($0)" } ?? "none")" }) {
                store.lockHolder("dead-1")?.processID == child.processIdentifier
            }
            #expect(try store.lock("dead-1") == nil)

            child.kill()
            let ended = await child.finish()
            #expect(ended.killedBySignal)
            let recovered = try #require(try store.lock("dead-1"), "the kernel released the dead holder's lock")
            #expect(store.lockHolder("dead-1")?.processID == getpid())
            recovered.release()
        }
    }
}
