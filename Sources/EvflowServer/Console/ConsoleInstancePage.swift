import FlowEngine
import Foundation

/// `/console/instances/{id}`: what `evflow show` prints, from the same engine values: money as last confirmed,
/// steps with attempts, keys and errors, pending signals, the next side effect, the timeline, the flow's graph
/// with the current step marked, and the repair forms the session's rights allow.
struct ConsoleInstancePage: Sendable {
    struct Line: Sendable { var text: String }

    struct StepRow: Sendable {
        var step: String
        var visit: Int
        var attempts: Int
        var key: String
        var entered: String
        var state: String
        var lastError: String
        var hasError: Bool
    }

    struct SignalRow: Sendable {
        var name: String
        var id: String
        var received: String
        var inInbox: Bool
    }

    struct TimelineRow: Sendable {
        var at: String
        var event: String
        var step: String
        var detail: String
    }

    struct StepOption: Sendable { var id: String }

    var id: String
    /// The page's path, the forms' base.
    var href: String
    var flow: String
    var version: Int
    var status: String
    var step: String
    var created: String
    var updated: String
    var stuck: String
    var isStuck: Bool
    var failure: String
    var hasFailure: Bool
    var cancellationRequest: String
    var hasCancellationRequest: Bool
    var hasPayment: Bool
    var reference: String
    var paymentState: String
    var money: [Line]
    var next: String
    var steps: [StepRow]
    var signals: [SignalRow]
    var noSignals: Bool
    var timeline: [TimelineRow]
    var graph: String
    var stepOptions: [StepOption]
    var isFinished: Bool
    var canRepair: Bool
    var canMoveMoney: Bool
    var canRefund: Bool
    var readOnly: Bool

    init(instance: FlowInstance, summary: InstanceSummary, definition: FlowDefinition?, next: String, inbox: [ReceivedSignal],
         captureDeadline: Date?, rights: ConsoleRights, now: Date) {
        id = instance.id
        href = "/console/instances/" + ConsoleURL.pathComponent(instance.id)
        flow = instance.flow.name
        version = instance.flow.version
        status = instance.status.rawValue
        step = instance.currentStep ?? "-"
        created = InstanceSummary.time(instance.createdAt)
        updated = InstanceSummary.time(instance.updatedAt) + " (" + InstanceSummary.age(now.timeIntervalSince(instance.updatedAt)) + " ago)"
        stuck = summary.stuck ?? ""
        isStuck = summary.stuck != nil
        failure = summary.failure ?? ""
        hasFailure = summary.failure != nil
        cancellationRequest = instance.cancellationRequest ?? ""
        hasCancellationRequest = instance.cancellationRequest != nil
        var money: [Line] = []
        if let payment = instance.payment {
            hasPayment = true
            reference = payment.reference
            paymentState = payment.state
            let format = { (units: Int64) in Money(minorUnits: units, currency: payment.currency).description }
            money.append(Line(text: "reserved \(format(payment.reserved)), authorized \(format(payment.authorized)), captured \(format(payment.captured)), released \(format(payment.cancelled)), refunded \(format(payment.refunded))"))
            money.append(Line(text: "held now \(format(payment.held))"))
            if let captureDeadline {
                let left = captureDeadline.timeIntervalSince(now)
                money.append(Line(text: "capture deadline \(InstanceSummary.time(captureDeadline)) (\(left >= 0 ? "in \(InstanceSummary.age(left))" : "passed \(InstanceSummary.age(-left)) ago"))\(payment.held > 0 ? "" : ", nothing held")"))
            }
            for movement in instance.moneyLedger.movements {
                money.append(Line(text: "\(movement.kind.verb) \(movement.money) by \(movement.step) #\(movement.visit), key \(movement.idempotencyKey), confirmed \(InstanceSummary.time(movement.confirmedAt))\(movement.override.map { " (operator override: \($0))" } ?? "")"))
            }
            for refund in instance.operatorRefunds {
                let outcome = refund.confirmedAt.map { "refunded \(InstanceSummary.time($0))" } ?? (refund.refusedAt != nil ? "refused" : "unconfirmed")
                money.append(Line(text: "operator refund #\(refund.number) \(refund.money) \(outcome), key \(refund.idempotencyKey): \(refund.reason)"))
            }
        } else {
            hasPayment = false
            reference = ""
            paymentState = ""
        }
        self.money = money
        self.next = next
        steps = instance.steps.map { record in
            StepRow(step: record.step, visit: record.visit, attempts: record.attempts, key: record.idempotencyKey ?? "-",
                    entered: InstanceSummary.time(record.enteredAt),
                    state: record.completedAt.map { "done " + InstanceSummary.time($0) } ?? (record.nextAttemptAt.map { "current, next attempt " + InstanceSummary.time($0) } ?? "current"),
                    lastError: record.lastError ?? "", hasError: record.lastError != nil)
        }
        signals = instance.pendingSignals.map { SignalRow(name: $0.name, id: $0.id, received: InstanceSummary.time($0.receivedAt), inInbox: false) }
            + inbox.map { SignalRow(name: $0.name, id: $0.id, received: InstanceSummary.time($0.receivedAt), inInbox: true) }
        noSignals = signals.isEmpty
        timeline = instance.history.map { TimelineRow(at: InstanceSummary.time($0.at), event: $0.event, step: $0.step ?? "", detail: $0.detail ?? "") }
        graph = definition.map { FlowGraphSVG(definition: $0, current: instance.currentStep ?? instance.failure?.step, visited: Set(instance.steps.map(\.step))).render() } ?? ""
        stepOptions = definition?.steps.map { StepOption(id: $0.id) } ?? []
        isFinished = instance.status.isFinished
        canRepair = rights.repairs
        canMoveMoney = rights.moneyRepairs
        canRefund = rights.moneyRepairs && (instance.payment?.captured ?? 0) > (instance.payment?.refunded ?? 0)
        readOnly = rights.readOnly
    }
}
