import Foundation

/// What an operator's refund request comes to against an instance's figures. ``FlowRunner/refund(_:amount:reason:)``
/// decides through it after reading the provider's figures, and `--dry-run` (``FlowRunner/refundPlan(_:amount:reason:)``)
/// from the local ones, so the dry run and the real call cannot drift apart.
package enum RefundDecision: Sendable {
    /// The same request as an earlier, confirmed refund: it is answered with that refund, nothing is sent.
    case repeated(OperatorRefund)
    /// Refund this many minor units (bounded: above 0, at most captured less refunded).
    case refund(Int64)
    /// Refused before anything is sent: nothing is refundable, or not that much.
    case refused(FlowError)

    /// Decides a request for `amount` with `reason` on `instance` (whose payment figures the caller made current).
    /// An unsettled operator refund is the caller's business first (settled, or the request refused).
    package init(_ instance: FlowInstance, amount: RefundAmount, reason: String) {
        let refundable = Self.refundable(instance)
        if let same = Self.earlierIdentical(instance, amount: amount, reason: reason, refundable: refundable) {
            self = .repeated(same)
            return
        }
        let currency = instance.payment?.currency ?? "NOK"
        let money = { (value: Int64) in Money(minorUnits: value, currency: currency) }
        let figures = "payment \(instance.payment?.reference ?? "?") has \(money(instance.payment?.captured ?? 0)) captured and \(money(instance.knownRefunded)) refunded"
        let error = { (detail: String) in FlowError(.invalidInput, flow: instance.flow.name, instanceID: instance.id, detail: detail) }
        switch amount {
        case .all:
            self = refundable > 0 ? .refund(refundable) : .refused(error("nothing to refund: \(figures)"))
        case .minorUnits(let asked):
            self = asked <= refundable ? .refund(asked)
                : .refused(error("refusing to refund \(money(asked)): only \(money(refundable)) is captured and not yet refunded (\(figures))"))
        }
    }

    /// Captured less refunded, by the provider's aggregate and the instance's ledger (the higher refund counts).
    package static func refundable(_ instance: FlowInstance) -> Int64 {
        max(0, (instance.payment?.captured ?? 0) - instance.knownRefunded)
    }

    /// The confirmed refund that `amount` and `reason` ask for again. `all` asks for the same refund only while
    /// nothing more is refundable: once more was captured (a running instance), `all` means that new money.
    private static func earlierIdentical(_ instance: FlowInstance, amount: RefundAmount, reason: String, refundable: Int64) -> OperatorRefund? {
        guard amount != .all || refundable == 0 else { return nil }
        return instance.operatorRefunds.last { $0.confirmedAt != nil && $0.matches(amount, reason: reason) }
    }
}
