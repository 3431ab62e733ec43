import EPaymentSimulator
import FlowEngine
import Foundation

/// The campaign's verdict, from the provider's ledger and the state folder rather than from what the server
/// said: every session finished as planned, every capture equals the independently computed price, no payment
/// was captured twice, no money is left held, no state file is corrupt and every instance file decodes.
struct ChaosVerdict {
    private(set) var problems: [String] = []

    init(plans: [ChaosSessionPlan], outcomes: [ChaosSessionDriver.Outcome], ledger: Ledger, stateDirectory: URL) {
        for outcome in outcomes { checkOutcome(outcome) }
        checkLedger(plans: plans, ledger: ledger)
        checkStateFolder(plans: plans, stateDirectory: stateDirectory)
    }

    private mutating func problem(_ text: String) { problems.append(text) }

    /// What the API reported when the driver saw the session finish.
    private mutating func checkOutcome(_ outcome: ChaosSessionDriver.Outcome) {
        let plan = outcome.plan
        if let failure = outcome.problem {
            problem("\(plan.id): driver: \(failure)  [plan: \(plan)]")
            return
        }
        let expectedStatus = plan.customerApproves ? "succeeded" : "failed"
        if outcome.status != expectedStatus {
            problem("\(plan.id): API status \(outcome.status) at \(outcome.step ?? "-") (failure \(outcome.failureCode ?? "-")), expected \(expectedStatus)  [plan: \(plan)]")
        }
        if !plan.customerApproves && outcome.failureCode != "payment.notAuthorized" {
            problem("\(plan.id): declined session failed with \(outcome.failureCode ?? "no code"), expected payment.notAuthorized")
        }
        if (outcome.captured ?? 0) != plan.expectedCapture || (outcome.held ?? 0) != 0 {
            problem("\(plan.id): API payment captured \(outcome.captured.map(String.init) ?? "-"), held \(outcome.held.map(String.init) ?? "-"); expected captured \(plan.expectedCapture), held 0  [plan: \(plan)]")
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
            let held = money.authorized - money.captured - money.cancelled
            let captures = payment.events(named: "CAPTURED")
            let context = "state \(payment.state), authorized \(money.authorized), captured \(money.captured), cancelled \(money.cancelled), refunded \(money.refunded), events \(payment.events.map { "\($0.name) \($0.amount)" })  [plan: \(plan)]"
            if payment.amount != ChaosSessionPlan.maxAmount {
                problem("\(plan.id): reserved \(payment.amount), expected \(ChaosSessionPlan.maxAmount); \(context)")
            }
            if captures.count > 1 {
                problem("\(plan.id): CAPTURED \(captures.count) times: \(context)")
            }
            if money.captured != plan.expectedCapture {
                problem("\(plan.id): captured \(money.captured), expected \(plan.expectedCapture); \(context)")
            }
            if held != 0 {
                problem("\(plan.id): \(held) left held; \(context)")
            }
            if money.refunded != 0 {
                problem("\(plan.id): refunded \(money.refunded), expected nothing; \(context)")
            }
            if plan.customerApproves {
                if money.authorized != ChaosSessionPlan.maxAmount || captures.count != (plan.expectedCapture > 0 ? 1 : 0) {
                    problem("\(plan.id): expected \(ChaosSessionPlan.maxAmount) authorized and \(plan.expectedCapture > 0 ? 1 : 0) capture; \(context)")
                }
            } else if payment.state != "ABORTED" || money.authorized != 0 {
                problem("\(plan.id): declined payment should be ABORTED with nothing authorized; \(context)")
            }
        }
    }

    private mutating func checkStateFolder(plans: [ChaosSessionPlan], stateDirectory: URL) {
        let files = FileManager.default
        let corrupt = stateDirectory.appendingPathComponent("corrupt")
        func corruptFiles() -> [String] { ((try? files.contentsOfDirectory(atPath: corrupt.path)) ?? []).sorted() }
        if !corruptFiles().isEmpty { problem("state: corrupt/ holds \(corruptFiles())") }
        let names = ((try? files.contentsOfDirectory(atPath: stateDirectory.appendingPathComponent("instances").path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
        if Set(names) != Set(plans.map { "\($0.id).json" }) {
            problem("state: \(names.count) instance files for \(plans.count) sessions")
        }
        let store: FileInstanceStore
        do {
            store = try FileInstanceStore(stateDirectory: stateDirectory)
        } catch {
            problem("state: cannot open \(stateDirectory.path): \(error)")
            return
        }
        for plan in plans {
            do {
                let instance = try store.load(plan.id)
                let expected: InstanceStatus = plan.customerApproves ? .succeeded : .failed
                let payment = instance.payment
                if instance.status != expected || payment?.captured ?? 0 != plan.expectedCapture || payment?.held ?? 0 != 0 {
                    problem("\(plan.id): state file says \(instance.status) at \(instance.currentStep ?? "-"), captured \(payment?.captured ?? 0), held \(payment?.held ?? 0); expected \(expected), captured \(plan.expectedCapture), held 0")
                }
            } catch {
                problem("\(plan.id): instance file does not load: \(error)")
            }
        }
        if !corruptFiles().isEmpty { problem("state: loading moved files to corrupt/: \(corruptFiles())") }
    }
}
