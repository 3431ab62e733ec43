import CurlHTTP
import EPayment
import Foundation
import Testing

@Suite("Each ePayment operation sends the spec's request and decodes its response")
struct ClientOperationTests {
    @Test func createPayment() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script(
                "POST", "/epayment/v1/payments",
                .json(201, #"{"reference":"\#(Fixture.reference)","redirectUrl":"https://qr.vipps.no/generate/qr.png?uri=x"}"#))
            let response = try await client.createPayment(
                CreatePaymentRequest(
                    amount: Fixture.nok(50_000), reference: Fixture.reference, userFlow: .qr,
                    paymentDescription: "EV charging, charger 12", customerInteraction: .customerPresent),
                idempotencyKey: "create-\(Fixture.reference)")
            #expect(response.reference == Fixture.reference)
            #expect(response.redirectUrl == "https://qr.vipps.no/generate/qr.png?uri=x")

            let request = try #require(server.apiRequests.first)
            #expect(server.apiRequests.count == 1)
            #expect(request.path == "/epayment/v1/payments")
            Fixture.expectJSONPost(request, key: "create-\(Fixture.reference)")
            Fixture.expectCommonHeaders(request)
            let body = try #require(request.bodyJSON)
            #expect(body["reference"] as? String == Fixture.reference)
            #expect(body["userFlow"] as? String == "QR")
            #expect((body["amount"] as? [String: Any])?["value"] as? Int == 50_000)
            #expect((body["paymentMethod"] as? [String: Any])?["type"] as? String == "WALLET")
            #expect(body["customerInteraction"] as? String == "CUSTOMER_PRESENT")
        }
    }

    @Test func accessTokenRequestCarriesTheCredentials() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("GET", "/epayment/v1/payments/\(Fixture.reference)", .json(200, Fixture.payment))
            _ = try await client.getPayment(reference: Fixture.reference)
            let token = try #require(server.requests.first)
            #expect(token.method == "POST")
            #expect(token.path == "/accesstoken/get")
            #expect(token.headers["client_id"] == "client-id-123")
            #expect(token.headers["client_secret"] == "client-secret-XYZ")
            #expect(token.headers["ocp-apim-subscription-key"] == "subscription-key-ABC")
            #expect(token.headers["merchant-serial-number"] == "123456")
            #expect(token.body.isEmpty)
        }
    }

    @Test func getPayment() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("GET", "/epayment/v1/payments/\(Fixture.reference)", .json(200, Fixture.payment))
            let payment = try await client.getPayment(reference: Fixture.reference)
            #expect(payment.state == .authorized)
            #expect(payment.aggregate.authorizedAmount == Fixture.nok(50_000))
            #expect(payment.paymentMethod.cardBin == "540185")
            #expect(payment.profile.sub == "sub-1")
            #expect(payment.pspReference == "psp-1")
            #expect(payment.metadata == ["charger": "12"])
            let request = try #require(server.apiRequests.first)
            #expect(request.method == "GET")
            #expect(request.path == "/epayment/v1/payments/\(Fixture.reference)")
            Fixture.expectCommonHeaders(request)
            #expect(request.headers["idempotency-key"] == nil)
            #expect(request.body.isEmpty)
        }
    }

    @Test func getEventLog() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script(
                "GET", "/epayment/v1/payments/\(Fixture.reference)/events",
                .json(200, #"""
                    [{"reference":"\#(Fixture.reference)","pspReference":"p1","name":"CREATED","amount":{"currency":"NOK","value":50000},"timestamp":"2026-11-27T10:00:00Z","idempotencyKey":"create-1","success":true},
                     {"reference":"\#(Fixture.reference)","pspReference":"p2","name":"AUTHORIZED","amount":{"currency":"NOK","value":50000},"timestamp":"2026-11-27T10:00:05.123Z","idempotencyKey":null,"success":true},
                     {"reference":"\#(Fixture.reference)","pspReference":"p3","name":"CAPTURED","amount":{"currency":"NOK","value":12345},"timestamp":"2026-11-27T11:00:00+01:00","idempotencyKey":"capture-1","success":false}]
                    """#))
            let events = try await client.getEventLog(reference: Fixture.reference)
            #expect(events.map(\.name) == [.created, .authorized, .captured])
            #expect(events.map(\.idempotencyKey) == ["create-1", nil, "capture-1"])
            #expect(events.map(\.pspReference) == ["p1", "p2", "p3"])
            #expect(events[2].success == false)
            #expect(events[2].timestamp == events[0].timestamp)
            let request = try #require(server.apiRequests.first)
            #expect(request.method == "GET")
            #expect(request.path == "/epayment/v1/payments/\(Fixture.reference)/events")
            Fixture.expectCommonHeaders(request)
        }
    }

    @Test func captureParsesByStatusNotContentType() async throws {
        try await withFakeEPayment { server, client, _ in
            // The spec labels modification responses application/problem+json; they are ModificationResponses.
            server.script(
                "POST", "/epayment/v1/payments/\(Fixture.reference)/capture",
                ScriptedResponse(
                    status: 200, headers: ["Content-Type": "application/problem+json"],
                    body: Array(Fixture.modification(captured: 12_345).utf8)))
            let response = try await client.capture(
                reference: Fixture.reference, amount: Fixture.nok(12_345), idempotencyKey: "capture-1")
            #expect(response.aggregate.capturedAmount == Fixture.nok(12_345))
            #expect(response.state == .authorized)
            #expect(response.pspReference == "psp-mod-1")
            let request = try #require(server.apiRequests.first)
            #expect(request.path == "/epayment/v1/payments/\(Fixture.reference)/capture")
            Fixture.expectJSONPost(request, key: "capture-1")
            Fixture.expectCommonHeaders(request)
            #expect(String(decoding: request.body, as: UTF8.self) == #"{"modificationAmount":{"currency":"NOK","value":12345}}"#)
        }
    }

    @Test(arguments: [false, true])
    func cancel(cancelTransactionOnly: Bool) async throws {
        try await withFakeEPayment { server, client, _ in
            server.script(
                "POST", "/epayment/v1/payments/\(Fixture.reference)/cancel",
                .json(200, Fixture.modification(captured: 12_345, cancelled: 37_655)))
            let response = try await client.cancel(
                reference: Fixture.reference, cancelTransactionOnly: cancelTransactionOnly, idempotencyKey: "cancel-1")
            #expect(response.aggregate.cancelledAmount == Fixture.nok(37_655))
            let request = try #require(server.apiRequests.first)
            #expect(request.path == "/epayment/v1/payments/\(Fixture.reference)/cancel")
            Fixture.expectJSONPost(request, key: "cancel-1")
            Fixture.expectCommonHeaders(request)
            #expect(request.bodyJSON?["cancelTransactionOnly"] as? Bool == cancelTransactionOnly)
        }
    }

    @Test func refund() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script(
                "POST", "/epayment/v1/payments/\(Fixture.reference)/refund",
                .json(200, Fixture.modification(captured: 12_345, refunded: 2_000)))
            let response = try await client.refund(
                reference: Fixture.reference, amount: Fixture.nok(2_000), idempotencyKey: "refund-1")
            #expect(response.aggregate.refundedAmount == Fixture.nok(2_000))
            let request = try #require(server.apiRequests.first)
            #expect(request.path == "/epayment/v1/payments/\(Fixture.reference)/refund")
            Fixture.expectJSONPost(request, key: "refund-1")
            Fixture.expectCommonHeaders(request)
            #expect((request.bodyJSON?["modificationAmount"] as? [String: Any])?["value"] as? Int == 2_000)
        }
    }

    @Test func forceApprove() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("POST", "/epayment/v1/test/payments/\(Fixture.reference)/approve", ScriptedResponse(status: 200))
            try await client.forceApprove(
                reference: Fixture.reference, customer: .phoneNumber("4791234567"), idempotencyKey: "approve-1")
            let request = try #require(server.apiRequests.first)
            #expect(request.path == "/epayment/v1/test/payments/\(Fixture.reference)/approve")
            Fixture.expectJSONPost(request, key: "approve-1")
            Fixture.expectCommonHeaders(request)
            #expect((request.bodyJSON?["customer"] as? [String: Any])?["phoneNumber"] as? String == "4791234567")
        }
    }

    @Test func invalidReferenceOrKeyIsRefusedBeforeSending() async throws {
        try await withFakeEPayment { server, client, _ in
            let badReference = try await #require(throws: EPaymentError.self) {
                try await client.capture(reference: "bad ref/1", amount: Fixture.nok(100), idempotencyKey: "k-1")
            }
            #expect(badReference.code == .invalid)
            #expect(badReference.description.contains("^[a-zA-Z0-9-]{8,64}$"))
            let longKey = try await #require(throws: EPaymentError.self) {
                try await client.capture(
                    reference: Fixture.reference, amount: Fixture.nok(100), idempotencyKey: String(repeating: "k", count: 51))
            }
            #expect(longKey.code == .invalid)
            #expect(longKey.description.contains("50"))
            let createWithBadReference = try await #require(throws: EPaymentError.self) {
                try await client.createPayment(
                    CreatePaymentRequest(amount: Fixture.nok(100), reference: "short", userFlow: .qr), idempotencyKey: "k-2")
            }
            #expect(createWithBadReference.code == .invalid)
            #expect(server.requests.isEmpty)
        }
    }

    @Test func undecodableSuccessIsUnexpectedResponse() async throws {
        try await withFakeEPayment { server, client, _ in
            server.script("GET", "/epayment/v1/payments/\(Fixture.reference)", .json(200, #"{"state":"AUTHORIZED"}"#))
            let error = try await #require(throws: EPaymentError.self) {
                try await client.getPayment(reference: Fixture.reference)
            }
            #expect(error.code == .unexpectedResponse)
            #expect(error.description.contains("aggregate"))
            #expect(server.apiRequests.count == 1)
        }
    }
}
