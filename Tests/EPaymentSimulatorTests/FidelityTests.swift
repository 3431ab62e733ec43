import CurlHTTP
import EPayment
import EPaymentSimulator
import Foundation
import Testing

/// Where an outside client (the official SDK's types) saw the simulator differ from the real API.
@Suite("Simulator fidelity")
struct FidelityTests {
    @Test func accessTokenErrorsAreAzureADShapedAndTheClientExplainsThem() async throws {
        let credentials = SimulatorConfiguration.Credentials(clientId: "id", clientSecret: "secret", subscriptionKey: "test-subscription-key")
        try await withTestSimulator(SimulatorConfiguration(credentials: credentials)) { simulator, api throws in
            let wrong = try await api.send(.post, "/accesstoken/get", headers: [("client_id", "id"), ("client_secret", "nope")], authorized: false)
            #expect(wrong.status == 401)
            let body = try #require(wrong.decode(AccessTokenError.self), "\(wrong.text)")
            #expect(body.error == "invalid_client")
            #expect(body.errorDescription?.hasPrefix("AADSTS7000215: ") == true, "\(wrong.text)")
            #expect(body.errorCodes == [7000215])
            #expect(body.timestamp?.isEmpty == false && body.traceID?.isEmpty == false && body.correlationID?.isEmpty == false, "\(wrong.text)")
            #expect(wrong.decode(Problem.self) == nil, "not problem+json: \(wrong.text)")
            let missing = try await api.send(.post, "/accesstoken/get", authorized: false)
            #expect(missing.status == 400 && missing.decode(AccessTokenError.self)?.error == "invalid_request", "\(missing.text)")

            try await withHTTPClient { http in
                let configuration = EPaymentConfiguration(
                    baseURL: simulator.baseURL, clientID: "id", clientSecret: Secret("nope"),
                    subscriptionKey: Secret("test-subscription-key"), merchantSerialNumber: "123456")
                let client = EPaymentClient(configuration: configuration, httpClient: http, logger: quietLogger)
                let error = try await #require(throws: EPaymentError.self) { try await client.getPayment(reference: "fidelity-0001") }
                #expect(error.operation == .accessToken && error.code == .unauthorized && error.httpStatus == 401, "\(error)")
                #expect(error.accessTokenError?.error == "invalid_client")
                #expect(error.traceId == error.accessTokenError?.traceID && error.traceId != nil)
                let text = error.description
                #expect(text.contains("'invalid_client': AADSTS7000215: Invalid client secret provided"), "\(text)")
                #expect(text.contains("trace_id ") && text.contains("correlation_id "), "\(text)")
                #expect(text.contains("Check client id, client secret"), "\(text)")
                #expect(!text.contains("not problem+json"), "\(text)")
            }
        }
    }

    @Test func unknownRoutesAnswerAProblem() async throws {
        try await withTestSimulator { _, api throws in
            for (method, path) in [(HTTPMethod.get, "/epayment/v1/nothing-here"), (.post, "/epayment/v2/payments"), (.delete, "/epayment/v1/payments/fidelity-0002")] {
                let reply = try await api.send(method, path)
                #expect(reply.status == 404, "\(method) \(path): \(reply.text)")
                #expect(reply.response.headers["Content-Type"] == "application/problem+json", "\(method) \(path)")
                let problem = try #require(reply.decode(Problem.self), "\(reply.text)")
                #expect(problem.status == 404 && problem.title == "Not Found" && problem.traceId != nil, "\(reply.text)")
                #expect(problem.detail?.contains(path) == true, "\(reply.text)")
            }
        }
    }

    @Test func forceApproveValidatesItsBody() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("fidelity-0003").status == 201)
            let path = "/epayment/v1/test/payments/fidelity-0003/approve"
            let numberToken = try await api.send(.post, path, body: #"{"token": 5}"#)
            #expect(numberToken.status == 400 && numberToken.detailNames == ["token"], "\(numberToken.text)")
            let numberPhone = try await api.send(.post, path, body: #"{"customer": {"phoneNumber": 4791234567}}"#)
            #expect(numberPhone.status == 400 && numberPhone.detailNames == ["customer.phoneNumber"], "\(numberPhone.text)")
            let two = try await api.send(.post, path, body: #"{"customer": {"phoneNumber": "4791234567", "personalQr": "qr-123"}}"#)
            #expect(two.status == 400 && two.detailNames == ["customer"], "\(two.text)")
            #expect(simulator.payment(reference: "fidelity-0003")?.state == "CREATED", "nothing was approved")
            let valid = try await api.send(.post, path, body: #"{"customer": {"phoneNumber": "4791234567"}}"#)
            #expect(valid.status == 200, "\(valid.text)")
        }
    }
}
