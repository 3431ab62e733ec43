import EPaymentSimulator
import FlowEngine
import Foundation

/// The campaign's verdict, from the provider's ledger and the store (the state folder, or the PostgreSQL
/// database of `make chaos-pg`) rather than from what the servers said: every session finished as planned, every
/// capture equals the independently computed price, no payment was captured twice, no money is left held,
/// nothing was set aside as corrupt and every instance decodes.
/// Sessions the operator moved (a cancel, a retry) are judged by ``ChaosExpectation``: the same money rules,
/// with the outcomes the operator's commands allow.
struct ChaosVerdict {
    private(set) var problems: [String] = []
    /// What was expected of each session, by instance id.
    let expectations: [String: ChaosExpectation]
    /// The operator's commands that may have moved each session, by instance id.
    private let moves: [String: [ChaosOperator.Record]]

    /// - Parameter store: opens the store the servers ran on, after they stopped.
    init(plans: [ChaosSessionPlan], outcomes: [ChaosSessionDriver.Outcome], ledger: Ledger,
         moves: [String: [ChaosOperator.Record]] = [:], store: () throws -> any InstanceStore) {
        let finishedAt = Dictionary(outcomes.map { ($0.plan.id, $0.finishedAt) }) { first, _ in first }
        expectations = Dictionary(uniqueKeysWithValues: plans.map { plan in
            (plan.id, ChaosExpectation(finishedAt: finishedAt[plan.id] ?? nil, moves: moves[plan.id] ?? []))
        })
        self.moves = moves
        for outcome in outcomes { checkOutcome(outcome) }
        checkLedger(plans: plans, ledger: ledger)
        checkStore(plans: plans, ledger: ledger, store: store)
    }

    private func expectation(_ plan: ChaosSessionPlan) -> ChaosExpectation { expectations[plan.id] ?? .planned }

    /// The plan, and the operator's commands when there were any, for a problem line.
    private func context(_ plan: ChaosSessionPlan) -> String {
        let commands = moves[plan.id] ?? []
        guard !commands.isEmpty else { return "[plan: \(plan)]" }
        return "[plan: \(plan); \(expectation(plan)): " + commands.map { "evflow \($0.arguments.joined(separator: " ")) → exit \($0.exit) at +\(String(format: "%.1f", $0.began))s" }.joined(separator: "; ") + "]"
    }

    private mutating func problem(_ text: String) { problems.append(text) }

    /// What the API reported when the driver saw the session finish.
    private mutating func checkOutcome(_ outcome: ChaosSessionDriver.Outcome) {
        let plan = outcome.plan
        if let failure = outcome.problem {
            problem("\(plan.id): driver: \(failure)  \(context(plan))")
            return
        }
        guard expectation(plan).followsPlan else { return }
        let expectedStatus = plan.customerApproves ? "succeeded" : "failed"
        if outcome.status != expectedStatus {
            problem("\(plan.id): API status \(outcome.status) at \(outcome.step ?? "-") (failure \(outcome.failureCode ?? "-")), expected \(expectedStatus)  \(context(plan))")
        }
        if !plan.customerApproves && outcome.failureCode != "payment.notAuthorized" {
            problem("\(plan.id): declined session failed with \(outcome.failureCode ?? "no code"), expected payment.notAuthorized")
        }
        if (outcome.captured ?? 0) != plan.expectedCapture || (outcome.held ?? 0) != 0 {
            problem("\(plan.id): API payment captured \(outcome.captured.map(String.init) ?? "-"), held \(outcome.held.map(String.init) ?? "-"); expected captured \(plan.expectedCapture), held 0  \(context(plan))")
        }
    }

    private mutating func checkLedger(plans: [ChaosSessionPlan], ledger: Ledger) {
        let planned = Set(plans.map(\.reference))
        for payment in ledger.payments where !planned.contains(payment.reference) {
            problem("ledger: payment \(payment.reference) belongs to no session")
        }
        if ledger.payments.count != Set(ledger.payments.map(\.reference)).count {
            problem("ledger: \(ledger.payments.count) payments for \(Set(ledger.payments.map(\.reference)).count) references")
        }
        for plan in plans {
            guard let payment = ledger.payment(reference: plan.reference) else {
                problem("\(plan.id): no payment \(plan.reference) in the ledger")
                continue
            }
            let money = payment.aggregate
            // A payment cancelled before the customer approved it reports the whole amount cancelled with nothing
            // authorized (TERMINATED): nothing is held, not a negative amount.
            let held = max(0, money.authorized - money.captured - money.cancelled)
            let captures = payment.events(named: "CAPTURED")
            let detail = "state \(payment.state), authorized \(money.authorized), captured \(money.captured), cancelled \(money.cancelled), refunded \(money.refunded), events \(payment.events.map { "\($0.name) \($0.amount)" })  \(context(plan))"
            if payment.amount != ChaosSessionPlan.maxAmount {
                problem("\(plan.id): reserved \(payment.amount), expected \(ChaosSessionPlan.maxAmount); \(detail)")
            }
            if captures.count > 1 {
                problem("\(plan.id): CAPTURED \(captures.count) times: \(detail)")
            }
            let expectation = expectation(plan)
            let allowed = expectation.captures(plan)
            if !allowed.contains(money.captured) {
                problem("\(plan.id): captured \(money.captured), expected \(allowed.sorted().map(String.init).joined(separator: " or ")); \(detail)")
            }
            if held != 0 {
                problem("\(plan.id): \(held) left held; \(detail)")
            }
            if money.refunded != 0 {
                problem("\(plan.id): refunded \(money.refunded), expected nothing; \(detail)")
            }
            if !expectation.followsPlan {
                if money.authorized != 0 && money.authorized != ChaosSessionPlan.maxAmount || !plan.customerApproves && money.authorized != 0 {
                    problem("\(plan.id): authorized \(money.authorized), expected 0 or \(plan.customerApproves ? ChaosSessionPlan.maxAmount : 0); \(detail)")
                }
            } else if plan.customerApproves {
                if money.authorized != ChaosSessionPlan.maxAmount || captures.count != (plan.expectedCapture > 0 ? 1 : 0) {
                    problem("\(plan.id): expected \(ChaosSessionPlan.maxAmount) authorized and \(plan.expectedCapture > 0 ? 1 : 0) capture; \(detail)")
                }
            } else if payment.state != "ABORTED" || money.authorized != 0 {
                problem("\(plan.id): declined payment should be ABORTED with nothing authorized; \(detail)")
            }
        }
    }

    private mutating func checkStore(plans: [ChaosSessionPlan], ledger: Ledger, store open: () throws -> any InstanceStore) {
        let store: any InstanceStore
        do {
            store = try open()
        } catch {
            problem("state: cannot open the store: \(error)")
            return
        }
        func setAside() -> [String] { store.setAsideRecords().map(\.name).sorted() }
        if !setAside().isEmpty { problem("state: set aside as corrupt: \(setAside())") }
        do {
            let ids = try store.instanceIDs()
            if Set(ids) != Set(plans.map(\.id)) { problem("state: \(ids.count) instances stored for \(plans.count) sessions") }
        } catch {
            problem("state: cannot list the instances: \(error)")
        }
        for plan in plans {
            do {
                let instance = try store.load(plan.id)
                let expectation = expectation(plan)
                if expectation != .planned {
                    // Moved by the operator: any end, with the provider's figures and nothing held.
                    let captured = ledger.payment(reference: plan.reference)?.aggregate.captured ?? 0
                    let payment = instance.payment
                    if !instance.status.isFinished || payment?.captured ?? 0 != captured || payment?.held ?? 0 != 0 {
                        problem("\(plan.id): state file says \(instance.status) at \(instance.currentStep ?? "-"), captured \(payment?.captured ?? 0), held \(payment?.held ?? 0); expected finished, captured \(captured) (the ledger's), held 0  \(context(plan))")
                    }
                    continue
                }
                let expected: InstanceStatus = plan.customerApproves ? .succeeded : .failed
                let payment = instance.payment
                if instance.status != expected || payment?.captured ?? 0 != plan.expectedCapture || payment?.held ?? 0 != 0 {
                    problem("\(plan.id): state file says \(instance.status) at \(instance.currentStep ?? "-"), captured \(payment?.captured ?? 0), held \(payment?.held ?? 0); expected \(expected), captured \(plan.expectedCapture), held 0")
                    if !instance.status.isFinished { problem(Self.diagnosis(of: instance, in: store)) }
                }
            } catch {
                problem("\(plan.id): instance file does not load: \(error)")
            }
        }
        if !setAside().isEmpty { problem("state: loading set aside: \(setAside())") }
    }

    /// Where an unfinished instance stands, for the campaign's output: what it saw and kept, its inbox, its lease,
    /// its recent timeline. A stuck session found by CI is then explained by the run that found it.
    private static func diagnosis(of instance: FlowInstance, in store: any InstanceStore) -> String {
        let inbox = (try? store.inbox(of: instance.id)).map { $0.map { "\($0.name) \($0.id)" } }.map { "\($0)" } ?? "unreadable"
        let lease = store.lockHolder(instance.id).map { "\($0)" } ?? "none"
        let timeline = instance.history.suffix(25).map { "    " + $0.timelineText }.joined(separator: "\n")
        return "\(instance.id): diagnosis: status \(instance.status) step \(instance.currentStep ?? "-") wakeAt \(instance.wakeAt.map { "\($0)" } ?? "-") "
            + "seen \(instance.seenSignalIDs.sorted()) pending \(instance.pendingSignals.map(\.id)) consumed \(instance.consumedSignals.mapValues(\.count)) "
            + "inbox \(inbox) lease \(lease) updated \(instance.updatedAt)\n  last \(min(25, instance.history.count)) of \(instance.history.count) history entries:\n\(timeline)"
    }
}
