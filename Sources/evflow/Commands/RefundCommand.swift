import ArgumentParser
import FlowEngine
import Foundation

/// `evflow refund`: pays captured money back to the customer, durably.
struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund",
        abstract: "Refund captured money to the customer (an operator's refund of a faulty session).",
        discussion: """
            Reads the provider's figures, refuses more than is captured and not yet refunded, records the refund \
            with its Idempotency-Key and your reason in the instance before the call, and its outcome after; the \
            timeline and ledger keep the reason. Works on a finished instance (succeeded, or failed after a capture) \
            and on a running one, except while one of its payment calls has no recorded outcome (a capture in \
            flight): what is captured is not known until it settles.

            If the command dies or loses the answer mid-call, run the same command again (or `evflow resume <id>`): \
            the earlier refund is settled through the provider's event log by its key (re-sent with the same key \
            only if the log shows no such refund; nothing is sent while the log cannot be read). The same amount \
            and reason as an earlier refund is that refund asked again: nothing new is sent, so repeating the \
            command is harmless. Another refund of the same amount needs another reason; a different request \
            settles the earlier one first and is refused while that stays unsettled.

            Exit codes: 0 refunded (or an identical earlier refund settled), 1 the provider refused it or its outcome \
            is not confirmed yet (run it again), 2 bad usage or refused (no payment, nothing refundable, above what \
            is refundable, a payment call in flight, another refund unsettled), 3 no such instance, 4 state problem (locked by a worker for \
            more than 10 s, the outcome could not be saved).

            Examples:
              evflow refund session-4711 --amount 2500 --reason "charger fault"
              evflow refund session-4711 --amount all --reason "billed twice" --dry-run
              evflow refund session-4711 --amount all --reason dup --json | jq .refund
            """)

    @OptionGroup var options: RunnerOptions
    @OptionGroup var actor: ActorOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("Minor units (øre, cents: 2500 is 25.00 NOK), or `all` for everything still refundable.", valueName: "minor units|all"))
    var amount: String

    @Option(help: ArgumentHelp("Why, for the instance's timeline and ledger.", valueName: "text"))
    var reason: String

    @Flag(name: .customLong("dry-run"), help: "Print what would be refunded; change nothing and call nobody.")
    var dryRun = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
        if RefundAmount(amount) == nil {
            throw ValidationError("--amount must be a whole number of minor units above 0 (2500 is 25.00 NOK) or `all`, not '\(amount)'")
        }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        guard let amount = RefundAmount(amount) else { throw CommandFailure(.usage, "bad --amount") }
        try await RunnerEnvironment.with(options, requiring: .init(payments: !dryRun, definitions: false), logger: logger) { environment in
            if dryRun {
                let plan = try environment.runner.refundPlan(id, amount: amount, reason: reason)
                if json { try Output.printJSON(["id": id, "plan": plan]) } else { print("\(id): would \(plan)") }
                return
            }
            let result = try await environment.runner.refund(id, amount: amount, reason: reason, by: actor.name)
            if json {
                try Output.printJSON(Document(id: id, refund: result.refund, repeated: result.repeated, payment: result.instance.payment))
            }
            guard result.refund.isSettled else {
                throw CommandFailure(.failure, "\(id): refund #\(result.refund.number) of \(result.refund.money) (key \(result.refund.idempotencyKey)) is unconfirmed: \(result.refund.lastError ?? "no answer")")
            }
            if json { return }
            if let earlier = result.settledEarlier, !result.repeated {
                print("\(id): settled the earlier refund #\(earlier.number) of \(earlier.money) first (\(earlier.confirmedAt != nil ? "refunded" : "refused"))")
            }
            let refund = result.refund
            let verb = !result.repeated ? "refunded"
                : result.settledEarlier != nil ? "settled the earlier identical refund"
                : "nothing new sent: an identical request (refund #\(refund.number)) already refunded"
            let payment = result.instance.payment.map { " on payment \($0.reference) (captured \(Money(minorUnits: $0.captured, currency: $0.currency)), refunded \(Money(minorUnits: $0.refunded, currency: $0.currency)) in all)" } ?? ""
            print("\(id): \(verb) \(refund.money)\(payment), key \(refund.idempotencyKey): \(refund.reason)")
        }
    }

    /// What `--json` prints.
    struct Document: Encodable {
        var id: String
        var refund: OperatorRefund
        /// The request repeated an earlier refund with the same amount and reason (unsettled, or already
        /// confirmed): nothing new was made.
        var repeated: Bool
        var payment: PaymentSummary?
    }
}
