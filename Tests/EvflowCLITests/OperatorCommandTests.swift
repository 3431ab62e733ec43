import CurlHTTP
import EPayment
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// `evflow list`, `show`, `resume`, `retry`, `cancel` and `reconcile`: an operator finding and fixing sessions.
    @Suite("evflow operator commands")
    struct OperatorCommandTests {
        @Test func stuckSessionIsListedInspectedAndResumed() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                #expect(try await evflow("start", "ev-charging", "--id", "stuck-1", "--input", CLITestBed.sessionInputs).status == 0)
                #expect(try await evflow("start", "ev-charging", "--id", "fine-1", "--input", CLITestBed.sessionInputs).status == 0)
                // One worker round creates both payments; then the worker "dies": nobody polls the payments.
                let round = try await evflow("run", "--once")
                #expect(round.stdout.contains("stuck-1 waiting at authorize"), "\(round)")
                try await Task.sleep(for: .milliseconds(2_300))

                let due = try await evflow("run", "--dry-run")
                #expect(due.stdout.contains("stuck-1: next step authorize: read payment ev-stuck-1 (GET)"), "\(due)")
                #expect(try bed.stateFile("stuck-1").wakeAt != nil)

                let stuck = try await evflow("list", "--status", "stuck", "--grace", "1s")
                #expect(stuck.status == 0, "\(stuck)")
                #expect(stuck.stdout.contains("stuck-1"))
                #expect(stuck.stdout.contains("STUCK: timer due"), "\(stuck)")
                struct Listed: Decodable {
                    var id: String
                    var reserved: Int?
                }
                let listed = try await evflow("list", "--status", "stuck", "--grace", "1s", "--json").decode([Listed].self)
                #expect(Set(listed.map(\.id)) == ["stuck-1", "fine-1"])
                #expect(listed.first?.reserved == 50_000)
                let notYet = try await evflow("list", "--status", "stuck", "--grace", "1h")
                #expect(notYet.stderr.contains("no instances match"))

                let show = try await evflow("show", "stuck-1", "--grace", "1s")
                #expect(show.status == 0, "\(show)")
                for expected in ["stuck-1  ev-charging v1", "waiting at authorize", "reserved 500.00 NOK", "overdue", "STUCK", "next     step authorize: read payment",
                                 "reserve #1", "attempts 1", "key evf-", "Timeline:", "payment ev-stuck-1"] {
                    #expect(show.stdout.contains(expected), "missing \(expected) in\n\(show.stdout)")
                }
                struct Shown: Decodable {
                    struct Summary: Decodable { var step: String? }
                    var summary: Summary
                    var steps: [StateFile.Step]
                }
                let shown = try await evflow("show", "stuck-1", "--json").decode(Shown.self)
                #expect(shown.summary.step == "authorize")
                #expect(shown.steps.first?.idempotencyKey != nil)

                let dryRun = try await evflow("resume", "stuck-1", "--dry-run")
                #expect(dryRun.status == 0)
                #expect(dryRun.stdout.contains("read payment"), "\(dryRun)")
                #expect(try bed.stateFile("stuck-1").currentStep == "authorize")

                let resumed = try await evflow("resume", "stuck-1")
                #expect(resumed.status == 0, "\(resumed)")
                #expect(resumed.stdout.contains("resumed stuck-1 waiting at meter"), "\(resumed)")
                #expect(try bed.stateFile("stuck-1").history.contains { $0.event == "operator" })

                let all = try await evflow("resume", "--all-stuck", "--grace", "1s")
                #expect(all.status == 0, "\(all)")
                #expect(all.stdout.contains("resumed fine-1 waiting at meter"), "\(all)")
                #expect(!all.stdout.contains("stuck-1"))
                let none = try await evflow("list", "--status", "stuck", "--grace", "1s")
                #expect(none.stdout.isEmpty && none.stderr.contains("no instances match"), "\(none)")
                let waiting = try await evflow("list", "--status", "waiting", "--flow", "ev-charging", "--json").decode([Listed].self)
                #expect(waiting.count == 2)
                #expect(try await evflow("list", "--older-than", "1h").stderr.contains("no instances match"))
                #expect(try await evflow("show", "nobody").status == 3)
                #expect(try await evflow("resume", "nobody").status == 3)
                #expect(try await evflow("list", "--status", "sleeping").status == 2)
            }
        }

        @Test func cancelReleasesTheReservation() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                try await bed.startCharging("cancel-1")
                let plan = try await evflow("cancel", "cancel-1", "--reason", "charger fault", "--dry-run")
                #expect(plan.status == 0)
                #expect(plan.stdout.contains("would release 500.00 NOK held on payment"), "\(plan)")
                #expect(try bed.ledger("cancel-1").aggregate.cancelled == 0)

                let cancelled = try await evflow("cancel", "cancel-1", "--reason", "charger fault")
                #expect(cancelled.status == 0, "\(cancelled)")
                #expect(cancelled.stdout.contains("released 500.00 NOK; operator.cancelled: charger fault"), "\(cancelled)")
                let payment = try bed.ledger("cancel-1")
                #expect(payment.aggregate.cancelled == 50_000)
                #expect(payment.aggregate.captured == 0)
                let state = try bed.stateFile("cancel-1")
                #expect(state.status == "failed")
                #expect(state.failure?.code == "operator.cancelled")
                #expect(state.cancellationRequest == "charger fault")

                let again = try await evflow("cancel", "cancel-1", "--reason", "twice")
                #expect(again.status == 1)
                #expect(again.stderr.contains("holds no money"))
                #expect(try await evflow("cancel", "cancel-1").status == 2)  // --reason is required
            }
        }

        @Test func cancelAfterAWorkerDiedMidReservationReleasesThePaymentItCreated() async throws {
            try await CLITestBed.with { bed in
                var evflow = bed.evflow
                #expect(try await evflow("start", "ev-charging", "--id", "crash-1", "--input", CLITestBed.sessionInputs).status == 0)
                // The worker dies right after the provider created the payment, before the result reached disk.
                evflow.extraEnvironment["EVFLOW_CRASH_AT"] = "before:2"
                let crashed = try await evflow("run", "--once")
                #expect(crashed.status != 0, "\(crashed)")
                #expect(try bed.stateFile("crash-1").payment == nil)
                #expect(bed.simulator.ledger().payments.count == 1)

                evflow.extraEnvironment = [:]
                let cancelled = try await evflow("cancel", "crash-1", "--reason", "station offline")
                #expect(cancelled.status == 0, "\(cancelled)")
                let payment = try #require(bed.simulator.ledger().payments.first)
                #expect(payment.aggregate.captured == 0)
                // Released: cancelled in full once authorized, or terminated before the customer acted.
                #expect(payment.aggregate.cancelled == 50_000 || payment.state == "TERMINATED", "\(payment)")
                #expect(try bed.status("crash-1") == "failed")
            }
        }

        @Test func failedCaptureIsFoundAndRetriedWithTheSameKey() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                try await bed.startCharging("retry-1")
                bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .capturePayment)
                #expect(try await evflow("signal", "retry-1", "sessionEnded", "--data", #"{"energyWh": 12000}"#).status == 0)
                let failed = try await evflow("run", "--once")
                #expect(failed.stdout.contains("retry-1 failed"), "\(failed)")
                #expect(try bed.status("retry-1") == "failed")

                let stuck = try await evflow("list", "--status", "stuck")
                #expect(stuck.stdout.contains("failed with 500.00 NOK still reserved"), "\(stuck)")
                let plan = try await evflow("retry", "retry-1", "--dry-run")
                #expect(plan.stdout.contains("confirm with the provider whether key evf-"), "\(plan)")
                #expect(plan.stdout.contains("capture 47.88 NOK"), "\(plan)")
                let key = try #require(try bed.stateFile("retry-1").steps.last { $0.step == "capture" }?.idempotencyKey)

                bed.simulator.setFault(nil, for: .capturePayment)
                let retried = try await evflow("retry", "retry-1")
                #expect(retried.status == 0, "\(retried)")
                #expect(retried.stdout.contains("retried retry-1 succeeded"), "\(retried)")
                let payment = try bed.ledger("retry-1")
                #expect(payment.aggregate.captured == 4_788)
                #expect(payment.aggregate.cancelled == 45_212)
                #expect(payment.events(named: "CAPTURED").map(\.idempotencyKey) == [key])

                let nothing = try await evflow("retry", "retry-1")
                #expect(nothing.status == 2)
                let badStep = try await evflow("retry", "retry-1", "--from-step", "nowhere")
                #expect(badStep.status == 2)
                #expect(badStep.stderr.contains("has no step 'nowhere'"))
            }
        }

        @Test func reconcileRepairsLocalFiguresAndFlagsUnrecordedCaptures() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                try await bed.startCharging("rec-1")
                // Someone captures 10.00 NOK outside evflow, with a key no step recorded.
                let reference = try bed.payment("rec-1").reference
                try await withHTTPClient { http in
                    let client = EPaymentClient(configuration: EPaymentConfiguration(
                        baseURL: bed.simulator.baseURL, clientID: "x", clientSecret: Secret("x"), subscriptionKey: Secret("x"), merchantSerialNumber: "123456"),
                        httpClient: http)
                    _ = try await client.capture(reference: reference, amount: Amount(value: 1_000, currency: .nok), idempotencyKey: "manual-capture-1")
                }

                let dryRun = try await evflow("reconcile", "rec-1", "--dry-run")
                #expect(dryRun.status == 1, "\(dryRun)")
                #expect(dryRun.stdout.contains("captured: local 0.00 NOK, provider 10.00 NOK"), "\(dryRun)")
                #expect(dryRun.stdout.contains("FLAGGED: CAPTURED of 10.00 NOK"), "\(dryRun)")
                #expect(dryRun.stdout.contains("manual-capture-1"))
                #expect(try bed.payment("rec-1").captured == 0)

                let repaired = try await evflow("reconcile", "rec-1")
                #expect(repaired.status == 1)  // the unrecorded capture still needs a person
                #expect(repaired.stdout.contains("repaired"), "\(repaired)")
                #expect(try bed.payment("rec-1").captured == 1_000)

                let all = try await evflow("reconcile", "--all", "--json")
                struct Report: Decodable {
                    var differences: [JSONValue]
                    var unrecordedOperations: [JSONValue]
                }
                let reports = try all.decode([Report].self)
                #expect(reports.count == 1)
                #expect(reports.first?.differences.isEmpty == true)
                #expect(reports.first?.unrecordedOperations.count == 1)

                // The session still ends: the 10.00 NOK already captured covers the 3.99 NOK owed, so nothing more
                // is captured (a capture never takes the customer above what the flow owes), the rest is released,
                // and reconcile flags the 6.01 NOK to refund.
                #expect(try await evflow("signal", "rec-1", "sessionEnded", "--data", #"{"energyWh": 1000}"#).status == 0)
                _ = try await evflow("run", "--once")
                let payment = try bed.ledger("rec-1")
                #expect(payment.aggregate.captured == 1_000)
                #expect(payment.events(named: "CAPTURED").count == 1)
                #expect(payment.aggregate.captured + payment.aggregate.cancelled == 50_000)
                let after = try await evflow("reconcile", "rec-1", "--dry-run")
                #expect(after.status == 1)
                #expect(after.stdout.contains("refund 6.01 NOK"), "\(after)")
                #expect(try await evflow("reconcile", "nobody").status == 3)
            }
        }

        @Test func corruptStateFileIsSetAsideAndListedAsStuck() async throws {
            let folder = try TemporaryFolder.make("evflow-cli")
            defer { TemporaryFolder.remove(folder) }
            let evflow = Evflow(stateDirectory: folder, flowsDirectory: CLITestBed.repository.appending(path: "flows"), simulatorURL: nil)
            #expect(try await evflow("list").status == 0)  // creates the state folder
            try Data("{\"id\": \"torn-1\", \"status\": ".utf8).write(to: folder.appending(path: "instances/torn-1.json"))

            let show = try await evflow("show", "torn-1")
            #expect(show.status == 4, "\(show)")
            #expect(show.stderr.contains("corrupt"), "\(show)")
            let stuck = try await evflow("list", "--status", "stuck")
            #expect(stuck.status == 0, "\(stuck)")
            #expect(stuck.stdout.contains("torn-1-"), "\(stuck)")
            #expect(stuck.stdout.contains("corrupt"), "\(stuck)")
            let moved = try FileManager.default.contentsOfDirectory(atPath: folder.appending(path: "corrupt").path)
            #expect(moved.contains { $0.hasPrefix("torn-1-") })
            #expect(try await evflow("show", "torn-1").status == 3)
        }
    }
}
