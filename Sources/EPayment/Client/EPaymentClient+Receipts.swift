import CurlHTTP
import Foundation

extension EPaymentClient {
    /// Sends the customer a receipt for a paid order through the Order Management API
    /// (`POST /order-management/v2/ecom/receipts/{orderId}`, spec `post-receipt-v2`): order lines in minor units
    /// (for a charging session, an energy line in ``QuantityUnit/kwh``) and a bottom line with the currency.
    ///
    /// For an ePayment payment the order id is the payment's reference. The endpoint takes no Idempotency-Key: the
    /// order id is the receipt's identity, so a repeat of an identical receipt (after a timeout or a lost response)
    /// is harmless, and a different receipt for the same order is refused with HTTP 409 (``EPaymentError/Code/conflict``).
    ///
    /// ```swift
    /// let receipt = Receipt(
    ///     orderLines: [OrderLine(name: "Energy", id: "energy", totalAmount: 4926, totalAmountExcludingTax: 3941,
    ///                            totalTaxAmount: 985, taxRate: 2500,
    ///                            unitInfo: UnitInfo(unitPrice: 399, quantity: "12.345", quantityUnit: .kwh))],
    ///     bottomLine: BottomLine(currency: .nok))
    /// let id = try await client.postReceipt(receipt, orderID: "ev-session-42")
    /// ```
    /// - Parameters:
    ///   - receipt: the same ``Receipt`` model a create-payment request may carry.
    ///   - orderID: the payment's reference (`^[a-zA-Z0-9-]{8,64}$`, checked before sending).
    /// - Returns: the id the API gave the receipt.
    /// - Throws: ``EPaymentError`` with ``EPaymentOperation/postReceipt``: `.invalid` for a refused body (the
    ///   problem's `invalidParams` name the fields), `.notFound` for an unknown order, `.conflict` for a different
    ///   receipt already on the order.
    public func postReceipt(_ receipt: Receipt, orderID: String, deadline: Duration? = nil) async throws -> String {
        let call = try Call(
            operation: .postReceipt, method: .post, path: "/order-management/v2/ecom/receipts/\(orderID)",
            reference: orderID, idempotencyKey: nil, body: receipt)
        return try await decode(String.self, from: perform(call, deadline: deadline), call)
    }
}
