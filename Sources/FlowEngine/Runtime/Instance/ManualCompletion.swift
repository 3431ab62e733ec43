import Foundation

/// The evidence an operator's `evflow mark-done` was accepted on: a capture or release made by hand (in the
/// merchant portal, say) that the provider's event log shows, with the amount the step would have moved.
///
/// Kept on the step visit it completed (``StepRecord/manualCompletion``) so `evflow show`, reconciliation and a
/// later operator see why the step counts as done although its own Idempotency-Key never took effect.
package struct ManualCompletion: Codable, Sendable, Equatable {
    /// The event's pspReference the operator named; one event completes at most one step.
    package var pspReference: String
    /// The event's name as the provider's log spells it: `CAPTURED` or `CANCELLED`.
    package var event: String
    /// What the event moved, in minor units (equal to what the step would have moved).
    package var amount: Int64
    /// The payment's currency (ISO 4217).
    package var currency: String
    /// When the provider says the event happened.
    package var eventAt: Date
    /// The Idempotency-Key the hand-made call carried, if any (never one of evflow's own for this instance).
    package var idempotencyKey: String?
    /// Who marked the step done: the operator's short name (`--by`, the OS user, the API token's name).
    package var by: String
    /// Why, in the operator's words.
    package var reason: String
    /// When evflow accepted it.
    package var acceptedAt: Date

    package var money: Money { Money(minorUnits: amount, currency: currency) }

    /// The key the ledger records the movement under: the event's own key, or one derived from its pspReference
    /// (a portal capture may carry none), so the same event is never counted twice.
    package var ledgerKey: String { idempotencyKey ?? "psp:\(pspReference)" }
}
