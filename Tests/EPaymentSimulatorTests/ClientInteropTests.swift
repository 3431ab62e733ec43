import CurlHTTP
import EPayment
import EPaymentSimulator
import Foundation
import Testing

/// The project's own ePayment client against the simulator: both were written from the spec independently,
/// so this catches a misreading on either side.
@Suite("EPaymentClient against the simulator")
struct ClientInteropTests {
    @Test func anEVChargingSessionThroughTheClient() async throws {
        try await withSimulator(clock: .manual(), logger: quietLogger) { simulator in
            try await withHTTPClient { http in
                let configuration = EPaymentConfiguration(
                    baseURL: simulator.baseURL, clientID: "client", clientSecret: Secret("secret"),
                    subscriptionKey: Secret("subscription"), merchantSerialNumber: "123456"
                )
                let client = EPaymentClient(configuration: configuration, httpClient: http, logger: quietLogger)
                let request = CreatePaymentRequest(
                    amount: Amount(value: 50_000, currency: .nok), reference: "interop-0001", userFlow: .pushMessage,
                    customer: .phoneNumber("4791234567"), paymentDescription: "EV charging reservation"
                )
                let created = try await client.createPayment(request, idempotencyKey: "create-1")
                #expect(created.reference == "interop-0001")
                try await client.forceApprove(reference: "interop-0001", idempotencyKey: "approve-1")
                let payment = try await client.getPayment(reference: "interop-0001")
                #expect(payment.state == .authorized)
                let captured = try await client.capture(
                    reference: "interop-0001", amount: Amount(value: 12_345, currency: .nok), idempotencyKey: "capture-1")
                #expect(captured.aggregate.capturedAmount.value == 12_345)
                let cancelled = try await client.cancel(reference: "interop-0001", idempotencyKey: "cancel-1")
                #expect(cancelled.aggregate.cancelledAmount.value == 50_000 - 12_345)
                let events = try await client.getEventLog(reference: "interop-0001")
                #expect(events.map(\.name.rawValue) == ["CREATED", "AUTHORIZED", "CAPTURED", "CANCELLED"])
                #expect(simulator.payment(reference: "interop-0001")?.aggregate
                    == LedgerAggregate(authorized: 50_000, captured: 12_345, cancelled: 37_655))
            }
        }
    }
}
