/// The request a payment step's Idempotency-Key stands for, recorded in its ``StepRecord`` before the first call so
/// that every attempt, also after a crash or an upgrade, sends exactly the same request.
///
/// In a state file an intent is a JSON object of ``Value``s with no field naming its kind (the form of every
/// version so far); its keys say which kind it is:
///
/// | Keys | Kind | Written by |
/// |---|---|---|
/// | `amount`, `reference` | ``reserve(_:)`` | `reserve` steps |
/// | `amount`, `owed`, `alreadyCaptured` | ``capture(_:)`` | `capture` steps |
/// | `amount`, `owed`, `alreadyRefunded` | ``refund(_:)`` | `refund` steps |
/// | none (`{}`) | ``release`` | `cancel` steps (a cancel releases the whole remainder: its request has no fields) |
/// | `amount` alone | ``amountOnly(_:)`` | `capture` and `refund` steps before the money ledger |
/// | `receipt` | ``receipt(_:)`` | `receipt` steps (the Order Management receipt, an object of its own) |
///
/// Encoding writes exactly these objects (``Value``'s encoding for each field, so `{"type": "money", "value":
/// 30000, "currency": "NOK"}`), so files stay readable by earlier versions. A shape none of them writes, or a field
/// of the wrong type, does not decode: the store sets the file aside as corrupt, naming the intent.
package enum PaymentIntent: Codable, Sendable, Equatable {
    /// Create the payment `reference` for `amount`.
    case reserve(ReserveIntent)
    /// Capture `amount` (what the flow says is owed, less what the instance already captured).
    case capture(CaptureIntent)
    /// Release whatever is not captured. Also what a `reserve` or `capture` step records when its amount
    /// expression does not give money, which a validated definition cannot do (the type checker proves the type);
    /// the call then sends no amount, as before these types existed.
    case release
    /// Refund `amount` (what the flow says to refund, less what the instance already refunded).
    case refund(RefundIntent)
    /// A capture's or refund's amount alone, as both were recorded before the money ledger (`owed` and
    /// `already…` were added with it). Which of the two it was is known only from the step's kind.
    case amountOnly(Money)
    /// Send this receipt (Order Management API). It moves no money.
    case receipt(ReceiptIntent)

    /// The amount the call moves, or reserves; `nil` for a release.
    package var amount: Money? {
        switch self {
        case .reserve(let intent): intent.amount
        case .capture(let intent): intent.amount
        case .refund(let intent): intent.amount
        case .amountOnly(let amount): amount
        case .release, .receipt: nil
        }
    }

    /// The reserve intent, when this is one: the reference of a payment that may exist.
    package var reservation: ReserveIntent? {
        if case .reserve(let intent) = self { return intent }
        return nil
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case amount, reference, owed, alreadyCaptured, alreadyRefunded, receipt
    }

    package init(from decoder: any Decoder) throws {
        // A field this type does not know comes from a hand edit or a newer version: dropping it could change what
        // the retried call sends, so the intent does not decode.
        let every = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = every.allKeys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorruptedError(forKey: unknown, in: every, debugDescription: "a payment intent has no field \"\(unknown.stringValue)\"")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let keys = Set(container.allKeys)
        func money(_ key: CodingKeys) throws -> Money {
            guard case .money(let money) = try container.decode(Value.self, forKey: key) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "a payment intent's \(key.stringValue) is money")
            }
            return money
        }
        switch keys {
        case [.amount, .reference]:
            guard case .string(let reference) = try container.decode(Value.self, forKey: .reference) else {
                throw DecodingError.dataCorruptedError(forKey: .reference, in: container, debugDescription: "a reserve intent's reference is a string")
            }
            self = .reserve(ReserveIntent(amount: try money(.amount), reference: reference))
        case [.amount, .owed, .alreadyCaptured]:
            self = .capture(CaptureIntent(amount: try money(.amount), owed: try money(.owed), alreadyCaptured: try money(.alreadyCaptured)))
        case [.amount, .owed, .alreadyRefunded]:
            self = .refund(RefundIntent(amount: try money(.amount), owed: try money(.owed), alreadyRefunded: try money(.alreadyRefunded)))
        case []:
            self = .release
        case [.amount]:
            self = .amountOnly(try money(.amount))
        case [.receipt]:
            self = .receipt(try container.decode(ReceiptIntent.self, forKey: .receipt))
        default:
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription:
                "a payment intent with the fields \(keys.map(\.stringValue).sorted()) is none the engine writes (reserve: amount, reference; capture: amount, owed, alreadyCaptured; refund: amount, owed, alreadyRefunded; cancel: none; receipt: receipt)"))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .reserve(let intent):
            try container.encode(Value.money(intent.amount), forKey: .amount)
            try container.encode(Value.string(intent.reference), forKey: .reference)
        case .capture(let intent):
            try container.encode(Value.money(intent.amount), forKey: .amount)
            try container.encode(Value.money(intent.owed), forKey: .owed)
            try container.encode(Value.money(intent.alreadyCaptured), forKey: .alreadyCaptured)
        case .refund(let intent):
            try container.encode(Value.money(intent.amount), forKey: .amount)
            try container.encode(Value.money(intent.owed), forKey: .owed)
            try container.encode(Value.money(intent.alreadyRefunded), forKey: .alreadyRefunded)
        case .amountOnly(let amount):
            try container.encode(Value.money(amount), forKey: .amount)
        case .receipt(let intent):
            try container.encode(intent, forKey: .receipt)
        case .release:
            break
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A `reserve` step's create request: the payment reference (derived deterministically, so a create retried after
/// a crash reuses it) and the amount to reserve.
package struct ReserveIntent: Sendable, Equatable {
    package var amount: Money
    package var reference: String

    package init(amount: Money, reference: String) {
        self.amount = amount
        self.reference = reference
    }
}

/// A `capture` step's request: `amount` is `owed` (the step's amount expression, what the instance owes in total)
/// less `alreadyCaptured` (what the instance had captured before this visit).
package struct CaptureIntent: Sendable, Equatable {
    package var amount: Money
    package var owed: Money
    package var alreadyCaptured: Money

    package init(amount: Money, owed: Money, alreadyCaptured: Money) {
        self.amount = amount
        self.owed = owed
        self.alreadyCaptured = alreadyCaptured
    }
}

/// A `refund` step's request: `amount` is `owed` (the step's amount expression, what the instance refunds in
/// total) less `alreadyRefunded`.
package struct RefundIntent: Sendable, Equatable {
    package var amount: Money
    package var owed: Money
    package var alreadyRefunded: Money

    package init(amount: Money, owed: Money, alreadyRefunded: Money) {
        self.amount = amount
        self.owed = owed
        self.alreadyRefunded = alreadyRefunded
    }
}
