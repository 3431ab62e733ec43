/// `receipt`: after the capture, send the customer a receipt through the Order Management API
/// (`POST /order-management/v2/ecom/receipts/{reference}`): an energy line in kWh and, when it applied, a start-fee
/// line, whose amounts add up exactly to what the instance captured. Skipped when nothing was captured.
/// Outputs: `receiptId` (string; empty when skipped), `skipped` (boolean).
package struct ReceiptStep: Sendable, Equatable {
    /// The id of the `reserve` step whose payment the receipt belongs to (the order id is its reference).
    package var payment: String
    /// Integer expression: the energy delivered, in Wh (shown as kWh).
    package var energyWh: Expression
    /// Money expression: the energy price per kWh, VAT included (the line's unit price).
    package var pricePerKWh: Expression
    /// Money expression: the start fee, VAT included; a line of its own when it is above zero. `nil`: none.
    package var startFee: Expression?
    /// Integer expression: the VAT rate in hundredths of a percent (2500 = 25 %), the API's `taxRate` (0...10000).
    package var vatRate: Expression
    /// String expression naming the energy line; default `'Energy'`.
    package var energyLineName: Expression
    /// String expression naming the start-fee line; default `'Start fee'`.
    package var startFeeLineName: Expression
    package var next: String
}
