import Foundation

/// What one instance has moved of the customer's money, as confirmed by the provider: one entry per confirmed
/// capture, release or refund, with the step visit and Idempotency-Key that made it.
///
/// Why a ledger beside ``PaymentSummary``: the summary is the provider's aggregate, which says how much moved but
/// not which step visit moved it. The engine bounds every money call by the ledger (a fresh visit of a capture
/// step captures only what is still owed after what this instance already captured), and operator commands use
/// it to refuse re-running a step whose money already moved (`evflow retry --from-step` without
/// `--rerun-completed`).
package struct MoneyLedger: Codable, Sendable, Equatable {
    /// What a movement did to the customer's money.
    package enum Kind: String, Codable, Sendable {
        /// Money taken from the authorization (a capture).
        case capture
        /// Authorized money given back before capture (a cancel).
        case release
        /// Captured money paid back (a refund).
        case refund

        /// The past-tense verb operators read: "captured 74.81 NOK".
        package var verb: String {
            switch self {
            case .capture: "captured"
            case .release: "released"
            case .refund: "refunded"
            }
        }
    }

    /// One confirmed money operation.
    package struct Movement: Codable, Sendable, Equatable {
        /// Capture, release or refund.
        package var kind: Kind
        /// The step id, or ``Interpreter/operatorCancelStep`` (`$operator-cancel`, which no step id can be) for an
        /// operator's release.
        package var step: String
        /// The visit of that step whose key made it.
        package var visit: Int
        /// The key the provider confirmed it under; a movement is recorded once per key.
        package var idempotencyKey: String
        /// The amount moved, in minor units.
        package var amount: Int64
        /// The payment's currency (ISO 4217).
        package var currency: String
        /// When the engine learnt the provider's confirmation.
        package var confirmedAt: Date
        /// The operator's reason, when the visit ran only because an operator overrode a refusal.
        package var override: String?

        package var money: Money { Money(minorUnits: amount, currency: currency) }

        package init(kind: Kind, step: String, visit: Int, idempotencyKey: String, amount: Int64, currency: String,
                     confirmedAt: Date, override: String?) {
            self.kind = kind
            self.step = step
            self.visit = visit
            self.idempotencyKey = idempotencyKey
            self.amount = amount
            self.currency = currency
            self.confirmedAt = confirmedAt
            self.override = override
        }

        private enum CodingKeys: String, CodingKey {
            case kind, step, visit, idempotencyKey, amount, currency, confirmedAt, override
        }

        /// Refuses a negative amount, as ``PaymentSummary`` does: a damaged file is set aside as corrupt, naming the
        /// field, instead of reaching the bounds on money.
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(Kind.self, forKey: .kind)
            step = try container.decode(String.self, forKey: .step)
            visit = try container.decode(Int.self, forKey: .visit)
            idempotencyKey = try container.decode(String.self, forKey: .idempotencyKey)
            amount = try container.decode(Int64.self, forKey: .amount)
            guard amount >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: "amount \(amount) is negative; amounts are minor units >= 0")
            }
            currency = try container.decode(String.self, forKey: .currency)
            confirmedAt = try container.decode(Date.self, forKey: .confirmedAt)
            override = try container.decodeIfPresent(String.self, forKey: .override)
        }
    }

    /// Oldest first.
    package var movements: [Movement] = []

    package init(movements: [Movement] = []) {
        self.movements = movements
    }

    /// What this instance has moved of one kind, in minor units (saturating: damaged amounts cannot trap).
    package func total(_ kind: Kind) -> Int64 {
        movements.lazy.filter { $0.kind == kind }.reduce(Int64(0)) { sum, movement in
            let (next, overflow) = sum.addingReportingOverflow(movement.amount)
            return overflow ? .max : next
        }
    }

    /// The movements a step made, over all its visits.
    package func movements(of step: String) -> [Movement] {
        movements.filter { $0.step == step }
    }

    /// Records a confirmed movement once per Idempotency-Key: a confirmation seen twice (a crash after the
    /// call, then the event log) counts once.
    package mutating func record(_ movement: Movement) {
        guard !movements.contains(where: { $0.idempotencyKey == movement.idempotencyKey && $0.kind == movement.kind }) else { return }
        movements.append(movement)
    }

    /// "captured 74.81 NOK (step capture, visit 1, key evf-…)", for refusals and dry runs.
    package static func describe(_ movements: [Movement]) -> String {
        movements.map { "\($0.kind.verb) \($0.money) (step \($0.step), visit \($0.visit), key \($0.idempotencyKey), confirmed \(InstanceSummary.time($0.confirmedAt)))" }
            .joined(separator: "; ")
    }
}

extension FlowInstance {
    /// The instance's ledger (empty for instances that never moved money, and for files written before it existed).
    package var moneyLedger: MoneyLedger {
        get { ledger ?? MoneyLedger() }
        set { ledger = newValue.movements.isEmpty ? nil : newValue }
    }

    /// What this instance has captured, as far as it knows: its ledger, or the provider's aggregate when that is
    /// higher (a capture made outside evflow, or recorded by a version without the ledger, still counts).
    package var knownCaptured: Int64 {
        max(moneyLedger.total(.capture), payment?.captured ?? 0)
    }

    /// What this instance has refunded, as far as it knows (ledger or the provider's aggregate, the higher).
    package var knownRefunded: Int64 {
        max(moneyLedger.total(.refund), payment?.refunded ?? 0)
    }

    /// The payment reference a reserve step recorded in its intent while the instance has not recorded a payment,
    /// and the provider has not confirmed that the create took no effect: the payment may exist, and may hold the
    /// customer's money, without the instance knowing.
    package var unconfirmedReservation: String? {
        guard payment == nil else { return nil }
        return steps.last { $0.intentReference != nil && $0.noEffectConfirmedAt == nil }?.intentReference
    }
}
