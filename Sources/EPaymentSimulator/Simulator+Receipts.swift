import Foundation
import Synchronization

/// The Order Management API's receipt endpoint, against the payment ledger.
extension Simulator {
    /// `POST /order-management/v2/ecom/receipts/{orderId}`: stores `receipt` on the payment `orderId`.
    ///
    /// The receipt must be for a payment that is captured, in its currency, and its lines must add up to exactly
    /// what is captured (returns counting negative). A repeat of the identical body is answered like the first (201,
    /// the same id), which is what makes re-sending after a lost response safe; a different receipt for an order
    /// that has one is a 409.
    func postReceipt(msn: String, orderID: String, receipt: LedgerReceipt, fingerprint: String) throws(Problem) -> WireResponse {
        let now = clock.now
        return try state.withLock { (state) throws(Problem) -> WireResponse in
            let key = SimulatorState.key(msn: msn, reference: orderID)
            state.advanceTime(key: key, now: now, emit: emit)
            guard var payment = state.payments[key] else {
                throw Problem(status: 404, title: "Not Found", detail: "No order with orderId '\(orderID)' exists for this merchant serial number.", extraDetails: nil)
            }
            if let existing = payment.receipt {
                guard existing.fingerprint == fingerprint else {
                    throw Problem(status: 409, title: "Conflict", detail: "Order '\(orderID)' already has a different receipt (\(existing.value.id)); a receipt cannot be replaced.", extraDetails: nil)
                }
                return Self.created(existing.value.id)
            }
            var details: [Problem.ExtraDetail] = []
            if receipt.currency != payment.amount.currency {
                details.append(.init(name: "bottomLine.currency", reason: "Must be the payment's currency \(payment.amount.currency), got \(receipt.currency)."))
            }
            if payment.captured == 0 {
                details.append(.init(name: "orderLines", reason: "Payment '\(orderID)' has nothing captured; send the receipt after the capture."))
            } else if receipt.total != payment.captured {
                details.append(.init(name: "orderLines", reason: "The lines' totalAmount add up to \(receipt.total), but \(payment.captured) is captured on payment '\(orderID)'."))
            }
            if !details.isEmpty { throw Problem.validation(details) }
            var stored = receipt
            stored.id = UUID().uuidString.lowercased()
            stored.createdAt = now
            payment.receipt = (stored, fingerprint)
            state.payments[key] = payment
            return Self.created(stored.id)
        }
    }

    /// The spec's 201: the receipt id as a JSON string.
    private static func created(_ id: String) -> WireResponse {
        WireResponse(status: 201, body: Wire.encode(id))
    }

    /// A problem as the Order Management API sends it (spec `ErrorResponse`): `title`, `detail`, `instance` and one
    /// `invalidParams` entry per invalid field, instead of the ePayment API's `extraDetails`.
    func orderManagementProblemResponse(_ problem: Problem) -> WireResponse {
        let traceId = state.withLock { $0.nextTraceId() }
        let body = Wire.OrderManagementProblem(
            type: problem.type, title: problem.title, detail: problem.detail, instance: traceId,
            invalidParams: problem.status == 400 ? problem.extraDetails : nil)
        return WireResponse(status: problem.status, body: Wire.encode(body), contentType: "application/problem+json", headers: problem.headers)
    }
}
