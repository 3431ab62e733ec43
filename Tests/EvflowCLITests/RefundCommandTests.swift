import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// `evflow refund`: an operator refunds a faulty session, also when the command dies mid-call.
    @Suite("evflow refund")
    struct RefundCommandTests {
        /// Runs the session to its end: 12 kWh at 3.99 NOK captured (47.88 NOK), the rest released.
        static func finish(_ bed: CLITestBed, _ id: String) async throws {
            try await bed.startCharging(id)
            #expect(try await bed.evflow("signal", id, "sessionEnded", "--data", #"{"energyWh": 12000}"#).status == 0)
            try await waitUntil("instance \(id) to succeed", timeout: .seconds(20), pollingEvery: .milliseconds(300),
                                lastSeen: { (try? bed.status(id)) ?? "unreadable" }) {
                _ = try await bed.evflow("run", "--once")
                return try bed.status(id) == "succeeded"
            }
            #expect(try bed.ledger(id).aggregate.captured == 4_788)
        }

        func refund(_ bed: CLITestBed, _ arguments: String...) async throws -> CommandResult {
            try await bed.evflow.run(["refund"] + arguments + ["--flows-dir", bed.evflow.flowsDirectory.path])
        }

        @Test func refundsAFinishedSessionWithinWhatWasCaptured() async throws {
            try await CLITestBed.with { bed in
                try await Self.finish(bed, "ref-1")
                let plan = try await refund(bed, "ref-1", "--amount", "2500", "--reason", "charger fault", "--dry-run")
                #expect(plan.status == 0, "\(plan)")
                #expect(plan.stdout.contains("would refund 25.00 NOK of payment"), "\(plan)")
                #expect(try bed.ledger("ref-1").aggregate.refunded == 0)

                let refunded = try await refund(bed, "ref-1", "--amount", "2500", "--reason", "charger fault")
                #expect(refunded.status == 0, "\(refunded)")
                #expect(refunded.stdout.contains("refunded 25.00 NOK"), "\(refunded)")
                #expect(refunded.stdout.contains("charger fault"))

                let above = try await refund(bed, "ref-1", "--amount", "2289", "--reason", "too much")
                #expect(above.status == 2, "\(above)")
                #expect(above.stderr.contains("only 22.88 NOK is captured and not yet refunded"), "\(above)")
                #expect(try await refund(bed, "ref-1", "--amount", "12.50", "--reason", "decimals").status == 2)
                #expect(try await refund(bed, "ref-1", "--amount", "all").status == 2)  // --reason is required
                #expect(try await refund(bed, "nobody", "--amount", "all", "--reason", "x").status == 3)

                struct Refunded: Decodable {
                    struct Refund: Decodable { var amount: Int64; var reason: String; var confirmedAt: String? }
                    var refund: Refund
                    var repeated: Bool
                }
                let rest = try await refund(bed, "ref-1", "--amount", "all", "--reason", "goodwill", "--json").decode(Refunded.self)
                #expect(rest.refund.amount == 2_288 && rest.refund.reason == "goodwill" && rest.refund.confirmedAt != nil && !rest.repeated)
                let payment = try bed.ledger("ref-1")
                #expect(payment.aggregate.refunded == 4_788)
                #expect(payment.events(named: "REFUNDED").count == 2)

                let show = try await bed.evflow("show", "ref-1")
                #expect(show.stdout.contains("refunded 25.00 NOK by $operator-refund #1"), "\(show.stdout)")
                #expect(show.stdout.contains("charger fault"))
            }
        }

        /// The crash the issue asks for: the process dies after the provider refunded and before the answer reached
        /// the disk; running the same command again settles it from the event log, and the provider refunded once.
        @Test func aRefundInterruptedByACrashIsSettledFromTheEventLogWhenRunAgain() async throws {
            try await CLITestBed.with { bed in
                try await Self.finish(bed, "ref-crash")
                var evflow = bed.evflow
                evflow.extraEnvironment["EVFLOW_CRASH_AT"] = "before:2"
                let crashed = try await evflow.run(["refund", "ref-crash", "--amount", "1500", "--reason", "faulty connector",
                                                    "--flows-dir", bed.evflow.flowsDirectory.path])
                #expect(crashed.status != 0, "\(crashed)")
                #expect(try bed.ledger("ref-crash").events(named: "REFUNDED").count == 1, "the refund reached the provider")
                #expect(try bed.ledger("ref-crash").aggregate.refunded == 1_500)
                let state = try bed.stateFile("ref-crash")
                #expect(state.payment?.refunded == 0, "the answer never reached the disk")
                #expect(state.refunds?.first?.confirmedAt == nil && state.refunds?.first?.idempotencyKey != nil)

                // While the event log cannot be read, a different refund is refused (exit 2), naming the unsettled one.
                bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .getPaymentEventLog)
                let other = try await refund(bed, "ref-crash", "--amount", "100", "--reason", "something else")
                #expect(other.status == 2, "\(other)")
                #expect(other.stderr.contains("refund #1 of 15.00 NOK (Idempotency-Key \(state.refunds?.first?.idempotencyKey ?? "?"))"), "\(other)")
                #expect(try bed.ledger("ref-crash").events(named: "REFUNDED").count == 1)
                bed.simulator.setFault(nil, for: .getPaymentEventLog)

                let again = try await refund(bed, "ref-crash", "--amount", "1500", "--reason", "faulty connector")
                #expect(again.status == 0, "\(again)")
                #expect(again.stdout.contains("settled the earlier identical refund 15.00 NOK"), "\(again)")
                let payment = try bed.ledger("ref-crash")
                #expect(payment.events(named: "REFUNDED").count == 1)
                #expect(payment.events(named: "REFUNDED").first?.idempotencyKey == state.refunds?.first?.idempotencyKey)
                #expect(payment.aggregate.refunded == 1_500)
                let settled = try bed.stateFile("ref-crash")
                #expect(settled.payment?.refunded == 1_500)
                #expect(settled.refunds?.first?.confirmedAt != nil)
                #expect(settled.history.contains { $0.event == "confirmed" })
            }
        }
    }
}
