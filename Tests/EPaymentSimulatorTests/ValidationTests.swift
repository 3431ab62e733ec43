import CurlHTTP
import EPaymentSimulator
import Testing

/// Requests the real API refuses: 400 with extraDetails per field, 401 without a valid token, 404 for unknown
/// references.
@Suite("Invalid requests get the real API's errors")
struct ValidationTests {
    @Test func everyInvalidCreateFieldIsListed() async throws {
        try await withTestSimulator { simulator, api throws in
            let body = """
                {"amount":{"currency":"SEK","value":1.5},"paymentMethod":{"type":"CASH"},"reference":"short",\
                "userFlow":"PUSH_MESSAGE","customer":{"phoneNumber":"12"},"paymentDescription":"x",\
                "expiresAt":"tomorrow","metadata":{"a":1}}
                """
            let response = try await api.send(.post, "/epayment/v1/payments", body: body, idempotencyKey: "v-1")
            #expect(response.status == 400)
            #expect(response.body.traceId != nil)
            #expect(
                Set(response.detailNames) == [
                    "amount.currency", "amount.value", "reference", "paymentMethod.type", "customer.phoneNumber",
                    "paymentDescription", "expiresAt", "metadata.a",
                ]
            )
            #expect(simulator.ledger().payments.isEmpty)
        }
    }

    @Test func userFlowRequirements() async throws {
        try await withTestSimulator { _, api throws in
            let noCustomer = #"{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"flow-0001","userFlow":"PUSH_MESSAGE"}"#
            #expect(try await api.send(.post, "/epayment/v1/payments", body: noCustomer, idempotencyKey: "f1").detailNames == ["customer"])
            let noReturnUrl = #"{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"flow-0002","userFlow":"WEB_REDIRECT"}"#
            #expect(try await api.send(.post, "/epayment/v1/payments", body: noReturnUrl, idempotencyKey: "f2").detailNames == ["returnUrl"])
            let badFlow = #"{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"flow-0003","userFlow":"SMS"}"#
            #expect(try await api.send(.post, "/epayment/v1/payments", body: badFlow, idempotencyKey: "f3").detailNames == ["userFlow"])
            let web = #"{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"flow-0004","userFlow":"WEB_REDIRECT","returnUrl":"https://example.com/back"}"#
            let created = try await api.send(.post, "/epayment/v1/payments", body: web, idempotencyKey: "f4")
            #expect(created.status == 201)
            #expect(created.body.redirectUrl?.contains("token=") == true)
        }
    }

    @Test func amountBelowTheCurrencyMinimumIsADomainError() async throws {
        try await withTestSimulator { _, api throws in
            let tooSmall = try await api.create("amount-0001", value: 99)
            #expect(tooSmall.status == 400)
            #expect(tooSmall.title == "Amount too small")
            #expect(try await api.create("amount-0002", value: 1, currency: "DKK").status == 201)
            #expect(try await api.create("amount-0003", value: 65_000_001).detailNames == ["amount.value"])
        }
    }

    @Test func requiredHeadersAndMalformedBodies() async throws {
        try await withTestSimulator { _, api throws in
            try await api.authorized("headers-0001")
            let noKey = try await api.send(.post, "/epayment/v1/payments/headers-0001/capture", body: #"{"modificationAmount":{"currency":"NOK","value":1}}"#)
            #expect(noKey.status == 400)
            #expect(noKey.detailNames == ["Idempotency-Key"])
            let longKey = try await api.capture("headers-0001", 1, key: String(repeating: "k", count: 51))
            #expect(longKey.detailNames == ["Idempotency-Key"])
            var wrongMSN = api
            wrongMSN.msn = "12"
            #expect(try await wrongMSN.get("headers-0001").detailNames == ["Merchant-Serial-Number"])
            let notJSON = try await api.send(.post, "/epayment/v1/payments/headers-0001/refund", body: "{oops", idempotencyKey: "r")
            #expect(notJSON.status == 400)
            #expect(notJSON.detailNames == ["body"])
        }
    }

    @Test func tokensAreChecked() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("token-0001").status == 201)
            #expect(try await api.send(.get, "/epayment/v1/payments/token-0001", authorized: false).status == 401)
            let forgotBearer = try await api.send(.get, "/epayment/v1/payments/token-0001", headers: [("Authorization", api.token)], authorized: false)
            #expect(forgotBearer.status == 401)
            let forged = try await api.send(.get, "/epayment/v1/payments/token-0001", headers: [("Authorization", "Bearer forged")], authorized: false)
            #expect(forged.status == 401)
            try simulator.advanceClock(by: .seconds(3601))
            #expect(try await api.get("token-0001").status == 401, "tokens expire on the simulator clock")
        }
    }

    @Test func accessTokenEndpointReturnsStringsLikeTheRealOne() async throws {
        let credentials = SimulatorConfiguration.Credentials(clientId: "id", clientSecret: "secret", subscriptionKey: "test-subscription-key")
        try await withTestSimulator(SimulatorConfiguration(credentials: credentials)) { _, api throws in
            let headers = [("client_id", "id"), ("client_secret", "secret")]
            let token = try await api.send(.post, "/accesstoken/get", headers: headers, authorized: false)
            #expect(token.status == 200)
            let issued = try #require(token.decode(APIResponse.AccessToken.self), "\(token.text)")
            #expect(issued.expiresIn == "3600")
            #expect(issued.tokenType == "Bearer")
            let accessToken = issued.accessToken
            var caller = api
            caller = SimulatorAPI(client: api.client, baseURL: api.baseURL, token: accessToken)
            #expect(try await caller.create("token-0002").status == 201)
            let wrong = try await api.send(.post, "/accesstoken/get", headers: [("client_id", "id"), ("client_secret", "nope")], authorized: false)
            #expect(wrong.status == 401)
        }
    }

    @Test func unknownReferenceIs404() async throws {
        try await withTestSimulator { _, api throws in
            let missing = try await api.get("no-such-payment")
            #expect(missing.status == 404)
            #expect(try await api.capture("no-such-payment", 100).status == 404)
            #expect(try await api.get("bad!ref").detailNames == ["Reference"])
        }
    }
}
