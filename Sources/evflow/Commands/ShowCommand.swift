import ArgumentParser
import FlowEngine
import Foundation

/// `evflow show`: one instance's timeline, for working out what happened and what will happen next.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show an instance: money, steps with attempts and errors, next timer, pending signals, timeline.",
        discussion: """
            Amounts are those last confirmed by the provider (`evflow reconcile <id> --dry-run` compares them with \
            the provider now). "Next" is the side effect the instance's next run would cause. "receipt" lists the \
            Order Management receipt of each receipt step: its lines (kWh, unit price, VAT) and whether the API \
            accepted it (sent, sending, failed, skipped when nothing was captured).

            Examples:
              evflow show session-4711
              evflow show session-4711 --json | jq '.payment'
            """)

    @OptionGroup var options: RunnerOptions
    @OptionGroup var inspection: InspectionOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: false, definitions: false), logger: logger) { environment in
            let instance = try environment.runner.instance(id)
            let inspector = environment.inspector
            let now = Date()
            let summary = InstanceSummary(instance, stuck: inspector.stuckReason(instance, StuckDiagnosis(grace: inspection.grace.seconds, now: now)))
            let holder = inspector.lockHolder(id)
            let document = Document(
                summary: summary, contentHash: instance.flow.contentHash,
                payment: instance.payment.map { ShownPayment(summary: $0, redirectUrl: instance.paymentLink?.redirectURL) },
                ledger: instance.moneyLedger.movements,
                captureDeadline: instance.payment.flatMap { environment.runtime.services.captureWindows.deadline(of: $0, startedAt: instance.createdAt) },
                refunds: instance.operatorRefunds,
                cancellationRequest: instance.cancellationRequest, lockHolder: holder.map { $0.processID ?? 0 },
                leaseOwner: holder?.owner, leaseLapse: holder?.lapse,
                next: (try? environment.runner.nextSideEffect(id)) ?? "unknown (the pinned definition cannot be loaded)",
                pendingSignals: instance.pendingSignals.map { Signal($0, inInbox: false) } + inspector.inbox(id).map { Signal($0, inInbox: true) },
                receipts: ReceiptView.all(instance), steps: instance.steps.map(Step.init), history: instance.history)
            if json {
                try Output.printJSON(document)
            } else {
                print(document.text(now: now))
            }
        }
    }

    /// Everything `show` prints.
    struct Document: Encodable {
        var summary: InstanceSummary
        var contentHash: String
        var payment: ShownPayment?
        /// Every capture, release and refund the provider confirmed for this instance.
        var ledger: [MoneyLedger.Movement]
        /// When the provider cancels the payment unless it is captured or released (its capture window from the
        /// authorization; see `EVFLOW_CAPTURE_WINDOWS`); absent before the payment is authorized.
        var captureDeadline: Date?
        /// Refunds operators made (`evflow refund`), with their keys, reasons and outcomes.
        var refunds: [OperatorRefund]
        var cancellationRequest: String?
        /// The pid of the worker running it now.
        var lockHolder: Int32?
        /// On a shared (PostgreSQL) store: the lease owner running it, `host/pid`.
        var leaseOwner: String?
        /// When that owner stopped renewing its lease: `worker host-b/4121 stopped renewing 40 s ago`.
        var leaseLapse: String?
        var next: String
        var pendingSignals: [Signal]
        /// The Order Management receipts of the instance's `receipt` steps.
        var receipts: [ReceiptView]
        var steps: [Step]
        var history: [HistoryEntry]

        func text(now: Date) -> String {
            let s = summary
            var lines = ["\(s.id)  \(s.flow) v\(s.version) (\(contentHash.prefix(12)))  \(s.status)\(s.step.map { " at \($0)" } ?? "")"]
            lines.append("created  \(InstanceSummary.time(s.createdAt)), updated \(InstanceSummary.time(s.updatedAt)) (\(ListCommand.age(now.timeIntervalSince(s.updatedAt))) ago)")
            if let shown = payment {
                let payment = shown.summary
                let money = { (units: Int64) in Money(minorUnits: units, currency: payment.currency).description }
                lines.append("payment  \(payment.reference) \(payment.state)")
                lines.append("  reserved \(money(payment.reserved)), authorized \(money(payment.authorized)), captured \(money(payment.captured)), released \(money(payment.cancelled)), refunded \(money(payment.refunded))")
                lines.append("  held now \(money(payment.held))")
                if let link = shown.redirectUrl { lines.append("  awaiting approval at \(link)") }
                if let captureDeadline {
                    let left = captureDeadline.timeIntervalSince(now)
                    lines.append("  capture deadline \(InstanceSummary.time(captureDeadline)) (\(left >= 0 ? "in \(ListCommand.age(left))" : "passed \(ListCommand.age(-left)) ago"))\(payment.held > 0 ? "" : ", nothing held")")
                }
                for refund in refunds {
                    let outcome = refund.confirmedAt.map { "refunded \(InstanceSummary.time($0))" } ?? (refund.refusedAt != nil ? "refused" : "UNCONFIRMED (run the same `evflow refund` again to settle it)")
                    lines.append("  refund #\(refund.number) \(refund.money) \(outcome), key \(refund.idempotencyKey): \(refund.reason)\(refund.lastError.map { " (\($0))" } ?? "")")
                }
                for movement in ledger {
                    lines.append("  \(movement.kind.verb) \(movement.money) by \(movement.step) #\(movement.visit), key \(movement.idempotencyKey), confirmed \(InstanceSummary.time(movement.confirmedAt))\(movement.override.map { " (operator override: \($0))" } ?? "")")
                }
            } else {
                lines.append("payment  none yet")
            }
            lines += receipts.flatMap(\.text)
            if let wakeAt = s.wakeAt {
                let delta = wakeAt.timeIntervalSince(now)
                lines.append("timer    \(InstanceSummary.time(wakeAt)) (\(delta >= 0 ? "in \(ListCommand.age(delta))" : "\(ListCommand.age(-delta)) overdue"))")
            }
            lines.append("next     \(next)")
            if !pendingSignals.isEmpty {
                lines.append("signals  " + pendingSignals.map { "\($0.name) \($0.id)\($0.inInbox ? " (inbox)" : "")" }.joined(separator: ", "))
            }
            if let leaseLapse {
                lines.append("worker   \(leaseLapse); another worker takes it over")
            } else if let leaseOwner {
                lines.append("worker   worker \(leaseOwner) is running it")
            } else {
                lines.append("worker   " + (lockHolder.map { $0 > 0 ? "process \($0) is running it" : "a worker is running it" } ?? "none running it"))
            }
            if let cancellationRequest { lines.append("cancel   requested: \(cancellationRequest)") }
            if let failure = s.failure { lines.append("failure  \(failure)") }
            if let stuck = s.stuck { lines.append("STUCK    \(stuck)") }
            lines.append("")
            lines.append("Steps (visit, attempts, idempotency key, last error):")
            for step in steps {
                var line = "  \(step.step) #\(step.visit)  entered \(InstanceSummary.time(step.enteredAt))  attempts \(step.attempts)"
                if let key = step.idempotencyKey { line += "  key \(key)" }
                line += step.completedAt.map { "  done \(InstanceSummary.time($0))" } ?? "  (current)"
                if let next = step.nextAttemptAt { line += "  next attempt \(InstanceSummary.time(next))" }
                lines.append(line)
                if let error = step.lastError { lines.append("      last error: \(error)") }
            }
            lines.append("")
            lines.append("Timeline:")
            for entry in history {
                lines.append("  " + entry.timelineText)
            }
            return lines.joined(separator: "\n")
        }
    }

    /// The payment as stored, and in `--json` beside its fields the link the customer approves at, while the
    /// payment is CREATED (the same `redirectUrl` as the API's).
    struct ShownPayment: Encodable {
        var summary: PaymentSummary
        var redirectUrl: String?

        private enum CodingKeys: String, CodingKey { case redirectUrl }

        func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(redirectUrl, forKey: .redirectUrl)
        }
    }

    struct Signal: Encodable {
        var id: String
        var name: String
        var receivedAt: Date
        /// Still in the inbox: the worker has not taken it in yet.
        var inInbox: Bool

        init(_ signal: ReceivedSignal, inInbox: Bool) {
            id = signal.id
            name = signal.name
            receivedAt = signal.receivedAt
            self.inInbox = inInbox
        }
    }

    struct Step: Encodable {
        var step: String
        var visit: Int
        var enteredAt: Date
        var attempts: Int
        var idempotencyKey: String?
        var completedAt: Date?
        var lastError: String?
        var nextAttemptAt: Date?

        init(_ record: StepRecord) {
            step = record.step
            visit = record.visit
            enteredAt = record.enteredAt
            attempts = record.attempts
            idempotencyKey = record.idempotencyKey
            completedAt = record.completedAt
            lastError = record.lastError
            nextAttemptAt = record.nextAttemptAt
        }
    }
}
