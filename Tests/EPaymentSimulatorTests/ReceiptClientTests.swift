import CurlHTTP
import EPayment
import EPaymentSimulator
import Foundation
import Testing

/// `EPaymentClient.postReceipt` against the simulator's Order Management endpoint: the typed `Receipt` goes out
/// as the spec's body, and refusals come back as `EPaymentError`s with the operation, order and fields.
@Suite("EPaymentClient receipts against the simulator")
struct ReceiptClientTests {
    static let receipt = Receipt(
        orderLines: [
            OrderLine(name: "Energy", id: "energy", totalAmount: 4926, totalAmountExcludingTax: 3941, totalTaxAmount: 985,
                      taxRate: 2500, unitInfo: UnitInfo(unitPrice: 399, quantity: "12.345", quantityUnit: .kwh)),
            OrderLine(name: "Start fee", id: "start-fee", totalAmount: 500, totalAmountExcludingTax: 400, totalTaxAmount: 100, taxRate: 2500),
        ],
        bottomLine: BottomLine(currency: .nok))

    @Test func postsAReceiptAndReportsConflictsAndInvalidFields() async throws {
        try await withSimulator(clock: .manual(), logger: quietLogger) { simulator in
            try await withHTTPClient { http in
                let configuration = EPaymentConfiguration(
                    baseURL: simulator.baseURL, clientID: "client", clientSecret: Secret("secret"),
                    subscriptionKey: Secret("subscription"), merchantSerialNumber: "123456")
                let client = EPaymentClient(configuration: configuration, httpClient: http, retryPolicy: .noRetries, logger: quietLogger)
                _ = try await client.createPayment(
                    CreatePaymentRequest(amount: Amount(value: 50_000, currency: .nok), reference: "receipt-client-1", userFlow: .qr,
                                         paymentDescription: "EV charging"), idempotencyKey: "create-1")
                try await client.forceApprove(reference: "receipt-client-1", idempotencyKey: "approve-1")
                do {
                    _ = try await client.postReceipt(Self.receipt, orderID: "receipt-client-1")
                    Issue.record("a receipt before the capture is refused")
                } catch let error as EPaymentError {
                    #expect(error.code == .invalid && error.httpStatus == 400 && error.operation == .postReceipt)
                    #expect(error.extraDetails.map(\.name) == ["orderLines"], "invalidParams become extraDetails")
                    #expect(error.description.hasPrefix("Order Management post-receipt-v2 failed (invalid), reference receipt-client-1, HTTP 400"))
                }
                _ = try await client.capture(reference: "receipt-client-1", amount: Amount(value: 5426, currency: .nok), idempotencyKey: "capture-1")
                let id = try await client.postReceipt(Self.receipt, orderID: "receipt-client-1")
                #expect(try await client.postReceipt(Self.receipt, orderID: "receipt-client-1") == id, "a repeat is the same receipt")
                #expect(simulator.payment(reference: "receipt-client-1")?.receipt?.id == id)
                var other = Self.receipt
                other.orderLines[1].name = "Parking"
                do {
                    _ = try await client.postReceipt(other, orderID: "receipt-client-1")
                    Issue.record("a different receipt is a conflict")
                } catch let error as EPaymentError {
                    #expect(error.code == .conflict && error.httpStatus == 409)
                    #expect(error.description.contains("already has a different receipt"))
                }
            }
        }
    }
}
