import Foundation

/// One refund an operator asked for (`evflow refund`, `POST /v1/instances/{id}/refund`), kept in the instance so
/// the call is durable the way every payment call is: the record, with its Idempotency-Key and amount, is saved
/// before the call and its outcome after. A record without an outcome (the process died mid-call, the answer was
/// lost) is settled through the provider's event log by its key before anything else is refunded, and is re-sent
/// only with the same key and amount.
package struct OperatorRefund: Codable, Sendable, Equatable {
    /// 1 for the instance's first operator refund, 2 for the next…; part of the key.
    package var number: Int
    /// Derived from the instance and ``number`` (see ``key(instance:number:)``), so it is the same on every attempt.
    package var idempotencyKey: String
    /// What the call refunds, in minor units: the operator's amount, or the whole refundable remainder when they
    /// asked for `all` (resolved, and bounded, before the record is saved).
    package var amount: Int64
    package var currency: String
    /// Whether the operator asked for `all`, so a repeat of the same command is recognised as the same request.
    package var wholeRemainder: Bool
    /// The operator's reason, for the timeline and the ledger.
    package var reason: String
    package var requestedAt: Date
    /// Calls sent with the key (a settlement re-sends with the same key).
    package var attempts: Int
    package var lastAttemptAt: Date?
    /// When the provider confirmed it (the answer, or a successful `REFUNDED` event with the key).
    package var confirmedAt: Date?
    /// When the provider refused it outright (nothing was refunded).
    package var refusedAt: Date?
    /// The last failure, for `evflow show`.
    package var lastError: String?

    package init(number: Int, instance: String, amount: Int64, currency: String, wholeRemainder: Bool, reason: String, at now: Date) {
        self.number = number
        self.idempotencyKey = Self.key(instance: instance, number: number)
        self.amount = amount
        self.currency = currency
        self.wholeRemainder = wholeRemainder
        self.reason = reason
        self.requestedAt = now
        self.attempts = 0
    }

    /// Whether the provider's answer is known: confirmed or refused.
    package var isSettled: Bool { confirmedAt != nil || refusedAt != nil }

    package var money: Money { Money(minorUnits: amount, currency: currency) }

    /// Whether a request for `amount` with `reason` is this refund asked again (the same command run twice).
    package func matches(_ amount: RefundAmount, reason: String) -> Bool {
        self.reason == reason && (wholeRemainder ? amount == .all : amount == .minorUnits(self.amount))
    }

    /// Where the ledger places operator refunds, which belong to no step (no step id can start with `$`).
    package static let ledgerStep = "$operator-refund"

    /// The key of the instance's `number`th operator refund: at most 50 characters, as the API requires.
    package static func key(instance: String, number: Int) -> String {
        Interpreter.idempotencyKey(instance: instance, step: ledgerStep, visit: number)
    }
}

/// How much an operator asks to refund.
package enum RefundAmount: Sendable, Equatable, CustomStringConvertible {
    /// Everything captured and not yet refunded.
    case all
    /// This many minor units (> 0).
    case minorUnits(Int64)

    /// `all`, or a whole number of minor units (digits only: `12.50` is refused, amounts are minor units).
    package init?(_ text: String) {
        if text == "all" { self = .all; return }
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let value = Int64(text), value > 0 else { return nil }
        self = .minorUnits(value)
    }

    package var description: String {
        switch self {
        case .all: "all"
        case .minorUnits(let value): "\(value) minor units"
        }
    }
}

extension FlowInstance {
    /// The operator refunds of this instance, oldest first (empty for most instances and older files).
    package var operatorRefunds: [OperatorRefund] {
        get { refunds ?? [] }
        set { refunds = newValue.isEmpty ? nil : newValue }
    }

    /// The operator refund whose outcome is not known yet, if any: it is settled before anything else is refunded.
    package var unsettledOperatorRefund: OperatorRefund? {
        operatorRefunds.last { !$0.isSettled }
    }
}
