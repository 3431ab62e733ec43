import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// `evflow store copy` end to end: a charging session moved to another store mid-session finishes there with
/// one capture of the right amount; a second copy changes nothing; a held lock refuses the copy with exit 4.
@Suite(.timeLimit(.minutes(3)))
struct StoreCopyCommandTests {
    struct Summary: Decodable {
        var instances: Int
        var instancesCopied: Int
        var instancesAlreadyThere: Int
        var conflicts: [String]
        var signals: Int
        var signalsCopied: Int
        var definitions: Int
        var definitionsCopied: Int
        var verified: Int
    }

    @Test func aSessionMovedMidwayFinishesInTheNewStore() async throws {
        try await CLITestBed.with { bed in
            try await bed.startCharging("session-1")
            let reading = try await bed.evflow("signal", "session-1", "meterReading", "--data", #"{"energyWh": 5000}"#, "--signal-id", "r-1")
            #expect(reading.status == 0, "\(reading)")
            let copyFolder = bed.root.appending(path: "moved")
            let source = bed.evflow.stateDirectory.path

            let copied = try await bed.evflow("store", "copy", "--from", source, "--to", copyFolder.path, "--json")
            #expect(copied.status == 0, "\(copied)")
            let summary = try copied.decode(Summary.self)
            #expect(summary.instances == 1 && summary.instancesCopied == 1 && summary.verified == 1)
            #expect(summary.signals == 1 && summary.signalsCopied == 1, "the reading waiting in the inbox moves too")
            #expect(summary.definitions == 1 && summary.definitionsCopied == 1)

            let again = try await bed.evflow("store", "copy", "--from", source, "--to", copyFolder.path)
            #expect(again.status == 0, "\(again)")
            #expect(again.stdout.contains("copied 0, already there 1, conflicts 0"), "\(again)")
            #expect(again.stdout.contains("verified:    1 instances"), "\(again)")

            // The session goes on in the new store only.
            var moved = bed.evflow
            moved = Evflow(stateDirectory: copyFolder, flowsDirectory: moved.flowsDirectory, simulatorURL: moved.simulatorURL)
            let ended = try await moved("signal", "session-1", "sessionEnded", "--data", #"{"energyWh": 12000}"#, "--signal-id", "end")
            #expect(ended.status == 0, "\(ended)")
            try await waitUntil("session-1 to succeed in the new store", timeout: .seconds(20), pollingEvery: .milliseconds(200),
                                lastSeen: { "not yet" }) {
                let run = try await moved("run", "--once")
                return run.stdout.contains("session-1 succeeded")
            }
            let payment = try bed.ledger("session-1")
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.events(named: "CAPTURED").count == 1)
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux flock"))
    func aHeldLockRefusesTheCopy() async throws {
        try await CLITestBed.with { bed in
            let started = try await bed.evflow("start", "ev-charging", "--id", "held-1", "--input", CLITestBed.sessionInputs)
            #expect(started.status == 0, "\(started)")
            let lockFile = bed.evflow.stateDirectory.appending(path: "locks/held-1.lock").path
            // A worker that hangs while it runs the instance: the lock held by another process.
            let holder = try ChildProcess(URL(filePath: "/bin/sh"),
                                          ["-c", #"exec 9>>"$0"; /usr/bin/flock -x 9; echo $$ >&9; exec sleep 60"#, lockFile])
            defer { holder.kill() }
            try await waitUntil("the holder to lock", lastSeen: { "" }) {
                (try? String(contentsOfFile: lockFile, encoding: .utf8))?.contains("\(holder.processIdentifier)") == true
            }
            let target = bed.root.appending(path: "moved").path
            let refused = try await bed.evflow("store", "copy", "--from", bed.evflow.stateDirectory.path, "--to", target)
            #expect(refused.status == 4, "\(refused)")
            #expect(refused.stderr.contains("held-1") && refused.stderr.contains("locked by process \(holder.processIdentifier)"), "\(refused)")
            #expect(refused.stderr.contains("stop every evflow worker"), "\(refused)")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: target + "/instances")) ?? []).isEmpty)
        }
    }

    @Test func aDatabasePasswordNeverAppearsInTheRefusal() async throws {
        try await CLITestBed.with { bed in
            let refused = try await bed.evflow("store", "copy", "--from", "postgres://evflow:secret-pw@localhost:1/evflow", "--to", bed.root.path + "/x")
            #expect(refused.status != 0, "\(refused)")
            #expect(!refused.stderr.contains("secret-pw"))
        }
    }
}
