import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// The built `evflow list` over the outline index, and `evflow fsck` finding and repairing damage.
    @Suite("evflow fsck and the outline index")
    struct FsckCommandTests {
        @Test func listPrintsTheSameWithTheIndexAsFromTheFiles() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                for id in ["session-1", "session-2", "session-3"] {
                    let started = try await evflow("start", "ev-charging", "--id", id, "--input", CLITestBed.sessionInputs)
                    #expect(started.status == 0, "\(started)")
                }
                let index = evflow.stateDirectory.path + "/index/outlines.log"
                let fromFiles = try await evflow("list", "--json")
                #expect(fromFiles.status == 0, "\(fromFiles)")
                #expect(FileManager.default.fileExists(atPath: index), "a new state folder has an index from the start")
                let fromIndex = try await evflow("list", "--json")
                #expect(fromIndex.stdout == fromFiles.stdout)
                #expect(fromIndex.stdout.contains("session-3"))
                try FileManager.default.removeItem(atPath: index)
                let rebuilt = try await evflow("list", "--json", "--log-level", "notice")
                #expect(rebuilt.stdout == fromFiles.stdout)
                #expect(rebuilt.stderr.contains("outline index rebuilt"), "says why: \(rebuilt)")
            }
        }

        @Test func fsckReportsEachDamageAndRepairFixesIt() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                let started = try await evflow("start", "ev-charging", "--id", "session-1", "--input", CLITestBed.sessionInputs)
                #expect(started.status == 0, "\(started)")
                let state = evflow.stateDirectory.path
                let clean = try await evflow("fsck")
                #expect(clean.status == 0, "\(clean)")
                #expect(clean.stdout.contains("1 instance checked, 0 differences"), "\(clean)")

                // Damage of every kind fsck can repair.
                try Data("garbage\n".utf8).write(to: URL(filePath: state + "/index/outlines.log"))
                try FileManager.default.createDirectory(atPath: state + "/inbox/ghost-1", withIntermediateDirectories: true)
                try Data("{}".utf8).write(to: URL(filePath: state + "/inbox/ghost-1/abc.json"))
                // Young: a write may still be using it, so it is reported and left (the store removes old ones when it opens).
                let temporary = state + "/instances/.session-1.json.4711.tmp"
                try Data("half a write".utf8).write(to: URL(filePath: temporary))

                let found = try await evflow("fsck", "--json")
                #expect(found.status == 1, "\(found)")
                struct Report: Decodable {
                    struct Difference: Decodable { var kind: String; var repairable: Bool }
                    var instances: Int
                    var differences: [Difference]
                }
                let report = try found.decode(Report.self)
                #expect(report.instances == 1)
                #expect(Set(report.differences.map(\.kind)) == ["indexUnusable", "orphanedInbox", "temporaryFile"], "\(found)")
                #expect(FileManager.default.fileExists(atPath: temporary), "a check changes nothing")

                let repaired = try await evflow("fsck", "--repair")
                #expect(repaired.status == 1, "the young temporary file is left: \(repaired)")
                #expect(repaired.stdout.contains("repaired: rebuilt the index"), "\(repaired)")
                #expect(repaired.stdout.contains("3 differences, 1 left"), "\(repaired)")
                #expect(FileManager.default.fileExists(atPath: temporary))
                try FileManager.default.removeItem(atPath: temporary)
                #expect(!FileManager.default.fileExists(atPath: state + "/inbox/ghost-1"))
                let corrupt = StoreFixturesForCLI.entries(state + "/corrupt")
                #expect(corrupt.contains { $0.hasPrefix("ghost-1-inbox-") }, "set aside, not deleted: \(corrupt)")
                let after = try await evflow("fsck")
                #expect(after.status == 0, "\(after)")
                let listed = try await evflow("list")
                #expect(listed.stdout.contains("session-1"), "\(listed)")
            }
        }
    }
}
