import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// `evflow mark-done` and `evflow resume --set` (issue 18, item 3), run as the built binary.
    @Suite("evflow mark-done and resume --set")
    struct RepairCommandTests {
        func evflow(_ bed: CLITestBed, _ arguments: String...) async throws -> CommandResult {
            try await bed.evflow.run(arguments + ["--flows-dir", bed.evflow.flowsDirectory.path])
        }

        func runUntil(_ bed: CLITestBed, _ id: String, _ status: String) async throws {
            try await waitUntil("instance \(id) to be \(status)", timeout: .seconds(20), pollingEvery: .milliseconds(300),
                                lastSeen: { (try? bed.status(id)) ?? "unreadable" }) {
                if try bed.status(id) == status { return true }
                _ = try await bed.evflow("run", "--once")
                return try bed.status(id) == status
            }
        }

        @Test func aCaptureMadeByHandIsMarkedDoneAndTheFlowReleasesTheRest() async throws {
            try await CLITestBed.with { bed in
                let id = "hand-1"
                try await bed.startCharging(id)
                bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .capturePayment)
                #expect(try await bed.evflow("signal", id, "sessionEnded", "--data", #"{"energyWh": 12000}"#).status == 0)
                try await runUntil(bed, id, "failed")
                bed.simulator.clearFaults()
                let reference = try bed.payment(id).reference
                let hand = try bed.simulator.captureInPortal(reference: reference, amount: 4_788)

                let unknown = try await evflow(bed, "mark-done", id, "--step", "capture", "--psp-reference", "nope", "--reason", "portal")
                #expect(unknown.status == 2, "\(unknown)")
                #expect(unknown.stderr.contains("has no event with pspReference nope"), "\(unknown)")
                let notMoney = try await evflow(bed, "mark-done", id, "--step", "meter", "--psp-reference", hand.pspReference, "--reason", "portal")
                #expect(notMoney.status == 2 && notMoney.stderr.contains("only a capture or cancel step"), "\(notMoney)")
                #expect(try await evflow(bed, "mark-done", "nobody", "--step", "capture", "--psp-reference", "x", "--reason", "r").status == 3)
                #expect(try await evflow(bed, "mark-done", id, "--step", "capture", "--psp-reference", "x").status == 2, "--reason is required")

                let plan = try await evflow(bed, "mark-done", id, "--step", "capture", "--psp-reference", hand.pspReference,
                                            "--reason", "captured in the portal, ticket 88", "--by", "alice", "--dry-run")
                #expect(plan.status == 0, "\(plan)")
                #expect(plan.stdout.contains("would accept CAPTURED of 47.88 NOK"), "\(plan)")
                #expect(try bed.status(id) == "failed", "a dry run changes nothing")

                let done = try await evflow(bed, "mark-done", id, "--step", "capture", "--psp-reference", hand.pspReference,
                                            "--reason", "captured in the portal, ticket 88", "--by", "alice")
                #expect(done.status == 0, "\(done)")
                #expect(done.stdout.contains("step capture marked done by alice"), "\(done)")
                try await runUntil(bed, id, "succeeded")
                let payment = try bed.ledger(id)
                #expect(payment.events(named: "CAPTURED").count == 1)
                #expect(payment.aggregate.captured == 4_788 && payment.aggregate.cancelled == 45_212)
                let show = try await bed.evflow("show", id)
                #expect(show.stdout.contains("marked done by alice"), "\(show.stdout)")
                #expect(show.stdout.contains("ticket 88"))
            }
        }

        @Test func resumeSetCorrectsThePriceBeforeTheCaptureAndIsAudited() async throws {
            try await CLITestBed.with { bed in
                let id = "price-1"
                try await bed.startCharging(id)
                let missingReason = try await evflow(bed, "resume", id, "--set", "inputs.pricePerKWh=4.55 NOK")
                #expect(missingReason.status == 2 && missingReason.stderr.contains("--set needs --reason"), "\(missingReason)")
                let unknown = try await evflow(bed, "resume", id, "--set", "inputs.nope=1", "--reason", "r")
                #expect(unknown.status == 2 && unknown.stderr.contains("unknown input 'nope'"), "\(unknown)")
                let rounded = try await evflow(bed, "resume", id, "--set", "inputs.pricePerKWh=4.555 NOK", "--reason", "r")
                #expect(rounded.status == 2 && rounded.stderr.contains("more decimals"), "\(rounded)")

                let plan = try await evflow(bed, "resume", id, "--set", "inputs.pricePerKWh=4.55 NOK", "--reason", "tariff, ticket 12", "--by", "erin", "--dry-run")
                #expect(plan.status == 0, "\(plan)")
                #expect(plan.stdout.contains("inputs.pricePerKWh set by erin: 3.99 NOK → 4.55 NOK"), "\(plan)")
                let resumed = try await evflow(bed, "resume", id, "--set", "inputs.pricePerKWh=4.55 NOK", "--reason", "tariff, ticket 12", "--by", "erin")
                #expect(resumed.status == 0, "\(resumed)")

                #expect(try await bed.evflow("signal", id, "sessionEnded", "--data", #"{"energyWh": 12345}"#).status == 0)
                try await runUntil(bed, id, "succeeded")
                // 12.345 kWh × 4.55 NOK = 56.16975 NOK, rounded half-up to 56.17 NOK.
                #expect(try bed.ledger(id).aggregate.captured == 5_617)
                let history = try bed.stateFile(id).history
                #expect(history.contains { $0.event == "operator" && ($0.detail ?? "").contains("set by erin: 3.99 NOK → 4.55 NOK: tariff, ticket 12") })

                let late = try await evflow(bed, "resume", id, "--set", "inputs.pricePerKWh=5.00 NOK", "--reason", "late")
                #expect(late.status != 0, "\(late)")
            }
        }
    }
}
