/// The name of a step output, `steps.<id>.<output>` in expressions: one type for what each step kind declares
/// (``StepKind/outputs(ofKind:)``, which the loader checks expressions against) and what the interpreter records
/// (``FlowInstance/recordOutputs(_:of:)``), so an output written under a misspelt name is a compile error.
///
/// In state files and expressions an output is its ``rawValue``.
package enum StepOutputKey: String, Sendable, CaseIterable {
    /// `reserve`: the payment reference (string).
    case reference
    /// `reserve`: the amount reserved (money).
    case amount
    /// `reserve`, every `userFlow` but `PUSH_MESSAGE`: the create response's link (string): the landing page or
    /// app link the customer's browser is sent to, or the QR link the charger shows. Not written to logs above
    /// debug; shown by the API and `evflow show` only while the payment awaits approval.
    case redirectUrl
    /// `awaitPayment`: the payment's final state (string).
    case state
    /// `awaitPayment`: the amount authorized (money; zero when not authorized).
    case authorizedAmount
    /// `awaitSignal`: what ended the wait (string: the signal name or `"until"`).
    case endedBy
    /// `capture`: what the instance has captured in total (money).
    case capturedAmount
    /// `capture`: whether nothing was captured because nothing (more) was owed (boolean); `receipt`: whether no
    /// receipt was sent because nothing was captured.
    case skipped
    /// `cancel`: what the instance has released in total (money).
    case cancelledAmount
    /// `refund`: what the instance has refunded in total (money).
    case refundedAmount
    /// `notify`: the HTTP status the station backend answered (integer; 0 when no endpoint is configured).
    case status
    /// `receipt`: the id the Order Management API gave the receipt (string; empty when skipped).
    case receiptId
}
