import EvflowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EvflowCLITests {
    /// The built `evflow list` and `evflow run` on a state folder someone dropped a FIFO and a dangling symlink
    /// into: neither command blocks, both entries are reported by name and set aside, the real session is listed
    /// and keeps running.
    @Suite("evflow list and run on a hostile state folder")
    struct HostileStateCommandTests {
        @Test func listAndRunReportAndSetAsideAFIFOAndADanglingSymlinkWithoutBlocking() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                let started = try await evflow("start", "ev-charging", "--id", "session-1", "--input", CLITestBed.sessionInputs)
                #expect(started.status == 0, "\(started)")
                let instances = evflow.stateDirectory.path + "/instances"
                try #require(mkfifo(instances + "/fifo-1.json", 0o600) == 0)
                try #require(symlink(instances + "/nowhere", instances + "/link-1.json") == 0)

                // Before the fix `list` blocked forever opening the FIFO; the time limit turns a hang into a failure.
                let listed = try await evflow.run(["list"], timeout: .seconds(60))
                #expect(listed.status == 0, "\(listed)")
                #expect(listed.stdout.contains("session-1"), "\(listed)")
                #expect(listed.stderr.contains("fifo-1") && listed.stderr.contains("a FIFO"), "\(listed)")
                #expect(listed.stderr.contains("link-1") && listed.stderr.contains("a symbolic link"), "\(listed)")
                #expect(!listed.stderr.contains("no such instance"), "a dangling symlink is reported as what it is: \(listed)")
                let corrupt = StoreFixturesForCLI.entries(evflow.stateDirectory.path + "/corrupt")
                #expect(corrupt.contains { $0.hasPrefix("fifo-1-") } && corrupt.contains { $0.hasPrefix("link-1-") }, "\(corrupt)")

                try #require(mkfifo(instances + "/fifo-2.json", 0o600) == 0)
                let ran = try await evflow.run(["run", "--once"], timeout: .seconds(60))
                #expect(ran.status == 0, "\(ran)")
                #expect(try bed.status("session-1") != nil, "the real session is still there")
                #expect(!FileManager.default.fileExists(atPath: instances + "/fifo-2.json"), "set aside by the worker too")
            }
        }
    }
}

/// Directory listings for the CLI suite (the store's fixtures live in another test target).
enum StoreFixturesForCLI {
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}
