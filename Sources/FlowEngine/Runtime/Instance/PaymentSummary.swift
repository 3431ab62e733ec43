import Foundation

/// The money of an instance's payment as last confirmed by the provider, in minor units.
public struct PaymentSummary: Codable, Sendable, Equatable {
    /// The ePayment reference.
    public var reference: String
    /// The payment's state (`CREATED`, `AUTHORIZED`, ...), as last seen.
    public var state: String
    public var currency: String
    /// The amount asked for when the payment was created.
    public var reserved: Int64
    public var authorized: Int64 = 0
    public var captured: Int64 = 0
    public var cancelled: Int64 = 0
    public var refunded: Int64 = 0
    /// The start of the provider's capture window (``CaptureWindows``), recorded once the engine sees the payment
    /// authorized: the earliest the authorization can have happened (when the step that created the payment was
    /// entered), since the poll that sees it may come days later. `nil` before that, and in files written before it
    /// existed.
    public var authorizedAt: Date?

    public init(reference: String, state: String, currency: String, reserved: Int64) {
        self.reference = reference
        self.state = state
        self.currency = currency
        self.reserved = reserved
    }

    /// Decodes a summary from a state file, refusing negative amounts (the engine only writes amounts the provider
    /// reported, which are never negative), so a damaged file is set aside as corrupt, naming the field, instead
    /// of reaching arithmetic on money.
    private enum CodingKeys: String, CodingKey {
        case reference, state, currency, reserved, authorized, captured, cancelled, refunded, authorizedAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        reference = try container.decode(String.self, forKey: .reference)
        state = try container.decode(String.self, forKey: .state)
        currency = try container.decode(String.self, forKey: .currency)
        reserved = try Self.amount(in: container, .reserved)
        authorized = try Self.amount(in: container, .authorized)
        captured = try Self.amount(in: container, .captured)
        cancelled = try Self.amount(in: container, .cancelled)
        refunded = try Self.amount(in: container, .refunded)
        authorizedAt = try container.decodeIfPresent(Date.self, forKey: .authorizedAt)
    }

    private static func amount(in container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int64 {
        let value = try container.decode(Int64.self, forKey: key)
        guard value >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "amount \(value) is negative; amounts are minor units >= 0")
        }
        return value
    }

    /// Authorized money neither captured nor released: what the customer still has held. Never traps: amounts
    /// that do not add up (captured and cancelled beyond what was authorized) give 0.
    public var held: Int64 {
        let (afterCapture, overflow) = authorized.subtractingReportingOverflow(captured)
        let (rest, overflowAgain) = afterCapture.subtractingReportingOverflow(cancelled)
        return overflow || overflowAgain ? 0 : max(0, rest)
    }
}
