import Foundation

/// A snapshot of every payment the simulator knows, with its aggregate and full event log.
///
/// Tests assert on it ("captured exactly once", "the remainder was released"); the control endpoint
/// `GET /_sim/ledger` returns the same structure as JSON.
public struct Ledger: Sendable, Hashable, Codable {
    /// Every payment, in creation order.
    public var payments: [LedgerPayment]

    public init(payments: [LedgerPayment]) { self.payments = payments }

    /// The payment with `reference`, optionally under a given MSN.
    public func payment(reference: String, msn: String? = nil) -> LedgerPayment? {
        payments.first { $0.reference == reference && (msn == nil || $0.msn == msn) }
    }
}

/// One payment as the simulator holds it.
public struct LedgerPayment: Sendable, Hashable, Codable {
    /// The merchant serial number the payment was created under.
    public var msn: String
    /// The merchant's reference.
    public var reference: String
    /// `CREATED`, `AUTHORIZED`, `ABORTED`, `EXPIRED` or `TERMINATED`.
    public var state: String
    /// The currency of every amount of this payment.
    public var currency: String
    /// The amount requested at creation, in minor units.
    public var amount: Int64
    /// Money moved so far, in minor units.
    public var aggregate: LedgerAggregate
    /// The payment's pspReference (that of its CREATED event).
    public var pspReference: String
    /// Every event, oldest first.
    public var events: [LedgerEvent]
    /// When the payment was created (simulator clock).
    public var createdAt: Date
    /// When an unanswered payment expires (simulator clock).
    public var expiresAt: Date
    /// The receipt sent through the Order Management API, once one was.
    public var receipt: LedgerReceipt?
    /// The `userFlow` it was created with, for example `QR`.
    public var userFlow: String?
    /// The `customerInteraction` it was created with; `nil` when the request left it to the default
    /// (`CUSTOMER_NOT_PRESENT`).
    public var customerInteraction: String?

    /// The events with `name` (for example `"CAPTURED"`), oldest first.
    public func events(named name: String) -> [LedgerEvent] { events.filter { $0.name == name } }
}

/// The money moved on a payment, in minor units (spec: `Aggregate`).
public struct LedgerAggregate: Sendable, Hashable, Codable {
    public var authorized: Int64
    public var captured: Int64
    public var cancelled: Int64
    public var refunded: Int64

    public init(authorized: Int64 = 0, captured: Int64 = 0, cancelled: Int64 = 0, refunded: Int64 = 0) {
        self.authorized = authorized
        self.captured = captured
        self.cancelled = cancelled
        self.refunded = refunded
    }
}

/// One entry of a payment's event log (spec: `PaymentEvent`).
public struct LedgerEvent: Sendable, Hashable, Codable {
    /// `CREATED`, `AUTHORIZED`, `ABORTED`, `EXPIRED`, `TERMINATED`, `CAPTURED`, `CANCELLED` or `REFUNDED`.
    public var name: String
    /// The amount this event concerns, in minor units.
    public var amount: Int64
    /// This event's own pspReference; distinct for every event.
    public var pspReference: String
    /// When it happened (simulator clock).
    public var timestamp: Date
    /// The Idempotency-Key of the request that caused it, if any.
    public var idempotencyKey: String?
    /// Whether the operation succeeded.
    public var success: Bool
}

/// A receipt the Order Management API accepted for a payment (`POST /order-management/v2/ecom/receipts/{orderId}`).
public struct LedgerReceipt: Sendable, Hashable, Codable {
    /// The id the API answered with.
    public var id: String
    /// The bottom line's currency.
    public var currency: String
    /// The lines, as sent.
    public var orderLines: [LedgerReceiptLine]
    /// When it was accepted (simulator clock).
    public var createdAt: Date

    /// The sum of the lines' totals, returns counting negative: what the receipt says was paid.
    public var total: Int64 { orderLines.reduce(0) { $0 + ($1.isReturn ? -$1.totalAmount : $1.totalAmount) } }
    /// The sum of the lines' tax, returns counting negative.
    public var totalTax: Int64 { orderLines.reduce(0) { $0 + ($1.isReturn ? -$1.totalTaxAmount : $1.totalTaxAmount) } }
}

/// One order line of a ``LedgerReceipt`` (spec: `OrderLine`), amounts in minor units.
public struct LedgerReceiptLine: Sendable, Hashable, Codable {
    public var name: String
    public var id: String
    public var totalAmount: Int64
    public var totalAmountExcludingTax: Int64
    public var totalTaxAmount: Int64
    /// Hundredths of a percent (a `taxPercentage` is converted).
    public var taxRate: Int64?
    public var unitPrice: Int64?
    /// As sent, for example `"12.345"`.
    public var quantity: String?
    /// For example `KWH`.
    public var quantityUnit: String?
    /// Counts negative in the totals.
    public var isReturn: Bool
}
