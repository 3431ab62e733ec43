import CurlHTTP
import Foundation

/// The floor's HTTP call: one keep-alive `GET /epayment/v1/payments/{reference}` to the simulator with the
/// headers evflow's ePayment client sends, through CurlHTTP, checking only the status. No JSON decoding, no
/// retry logic: the cost any client of this simulator pays per call.
struct FloorRequest: Sendable {
    let http: HTTPClient
    let request: HTTPRequest

    /// Fetches an access token and creates one payment to read (the simulator runs without rate limits).
    static func prepare(baseURL: String, http: HTTPClient) async throws -> FloorRequest {
        var headers: HTTPHeaders = [
            "Ocp-Apim-Subscription-Key": "bench-subscription-key",
            "Merchant-Serial-Number": "123456",
            "Vipps-System-Name": "evflow-bench",
            "Vipps-System-Version": "1.0.0",
            "Accept": "application/json, application/problem+json",
        ]
        var tokenHeaders = headers
        tokenHeaders["client_id"] = "bench-client"
        tokenHeaders["client_secret"] = "bench-secret"
        let tokenResponse = try await http.execute(
            HTTPRequest(method: .post, url: baseURL + "/accesstoken/get", headers: tokenHeaders, body: []))
        guard tokenResponse.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(tokenResponse.body)) as? [String: Any],
              let token = object["access_token"] as? String else {
            throw BenchError("floor: the simulator refused an access token (HTTP \(tokenResponse.status)): \(tokenResponse.bodyText.prefix(200))")
        }
        headers["Authorization"] = "Bearer \(token)"

        let reference = "floor-\(UInt32.random(in: 0...UInt32.max))"
        var createHeaders = headers
        createHeaders["Content-Type"] = "application/json"
        createHeaders["Idempotency-Key"] = reference
        let body = #"{"amount":{"currency":"NOK","value":50000},"customer":{"phoneNumber":"4791234567"},"paymentMethod":{"type":"WALLET"},"reference":"\#(reference)","userFlow":"PUSH_MESSAGE"}"#
        let created = try await http.execute(
            HTTPRequest(method: .post, url: baseURL + "/epayment/v1/payments", headers: createHeaders, body: Array(body.utf8)))
        guard (200..<300).contains(created.status) else {
            throw BenchError("floor: creating payment \(reference) failed (HTTP \(created.status)): \(created.bodyText.prefix(200))")
        }
        return FloorRequest(http: http, request: HTTPRequest(url: baseURL + "/epayment/v1/payments/\(reference)", headers: headers))
    }

    func send() async throws {
        let response = try await http.execute(request)
        guard response.status == 200 else {
            throw BenchError("floor: GET \(request.url) answered HTTP \(response.status): \(response.bodyText.prefix(200))")
        }
    }
}
