/// Why an instance failed, as a stable machine-readable code: `FlowInstance.Failure.code`, written to state files
/// and shown by `evflow show`, `evflow list` and the HTTP API.
///
/// The engine's own codes are the static members (``engineCodes``; each is listed with its meaning and what an
/// operator does in `docs/flows.md`, "Failure codes"). A `fail` step ends the instance with the code its definition
/// names (`"error": "payment.notAuthorized"`), which is any string the flow's author chose.
///
/// In a state file a code is its ``rawValue`` (`"code": "engine.noPayment"`).
public struct FailureCode: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // MARK: The engine's codes

    /// A payment step (`awaitPayment`, `capture`, `cancel`, `refund`, `receipt`) ran while its `reserve` step had recorded no
    /// payment reference.
    public static let noPayment = FailureCode(rawValue: "engine.noPayment")
    /// A `reserve` call succeeded but its step record had lost the intent it was sent from.
    public static let intentMissing = FailureCode(rawValue: "engine.intentMissing")
    /// More than 10,000 transitions in one run without waiting: the definition loops.
    public static let noProgress = FailureCode(rawValue: "engine.noProgress")
    /// The instance is at a step its pinned definition does not have.
    public static let unknownStep = FailureCode(rawValue: "engine.unknownStep")
    /// An expression could not be evaluated (overflow, division by zero, mixed currencies, a missing value).
    public static let expressionError = FailureCode(rawValue: "expression.error")
    /// The create of the payment failed and the provider confirmed that it took no effect.
    public static let createFailed = FailureCode(rawValue: "payment.createFailed")
    /// A capture was refused before it was sent: negative, or above what is authorized and still held.
    public static let captureAboveAuthorized = FailureCode(rawValue: "payment.captureAboveAuthorized")
    /// A refund was refused before it was sent: negative, or above what is captured and not yet refunded.
    public static let refundAboveCaptured = FailureCode(rawValue: "payment.refundAboveCaptured")
    /// A capture, cancel or refund failed and the provider confirmed that it took no effect.
    public static let modificationFailed = FailureCode(rawValue: "payment.modificationFailed")
    /// Reading the payment before a repeated capture or refund visit kept failing; nothing was sent.
    public static let lookupFailed = FailureCode(rawValue: "payment.lookupFailed")
    /// A `notify` step's notification was refused or not delivered, and no retry is left.
    public static let notifyFailed = FailureCode(rawValue: "notify.failed")
    /// A `receipt` step's receipt was refused (a conflicting receipt, a bad body) or not delivered and no retry is
    /// left, or it could not be computed; the money is not affected.
    public static let receiptFailed = FailureCode(rawValue: "receipt.failed")
    /// An operator cancelled the instance (`evflow cancel`, `POST /instances/{id}/cancel`); what it held was released.
    public static let operatorCancelled = FailureCode(rawValue: "operator.cancelled")

    /// Every code the engine sets itself (a `fail` step's code is the definition's).
    public static let engineCodes: [FailureCode] = [
        .noPayment, .intentMissing, .noProgress, .unknownStep, .expressionError, .createFailed, .captureAboveAuthorized,
        .refundAboveCaptured, .modificationFailed, .lookupFailed, .notifyFailed, .receiptFailed, .operatorCancelled,
    ]
}
