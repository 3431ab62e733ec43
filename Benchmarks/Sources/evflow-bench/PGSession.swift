import CurlHTTP
import EPayment
import Foundation
import Synchronization

/// The EV session of `evflow-bench flow` (the same inputs, signals and expected capture, ``FlowSession``), driven
/// over HTTP against `evflow serve` workers as a charging backend with several servers behind it drives it: the
/// session's calls go to the workers in turn (start on one, the webhook on the next, the signals on the next), so
/// most of them reach a worker that does not run the instance and must reach it through the database.
///
/// Per session: `POST /v1/flows/ev-charging/instances` with `wait: payment` (answered once the payment exists),
/// the signed `AUTHORIZED` webhook (as the provider sends it; the runner's `paymentUpdated` in the flow suite),
/// `meterReading` and `sessionEnded` signals, then `GET /v1/instances/{id}?wait=finished` (held by the server until
/// the instance finished, at most 10 s, then asked again) as a backend waiting for the receipt: those reads are
/// counted (``polls``) and are part of the measured cost.
final class PGSession: Sendable {
    let http: HTTPClient
    let workers: [String]
    let token: String
    let signer: WebhookSigner
    /// Status reads per session, summed over the run.
    let polls = Atomic<Int>(0)

    /// How long one API call may take: generous, since two cores host every process and 4 workers at 256 sessions
    /// in flight queue each call for seconds.
    static let callTimeout: Duration = .seconds(60)
    private static let input = #"{"phoneNumber": "4791234567", "maxAmount": {"value": \#(FlowSession.maxAmount), "currency": "NOK"}, "pricePerKWh": {"value": \#(FlowSession.pricePerKWh), "currency": "NOK"}, "startFee": {"value": \#(FlowSession.startFee), "currency": "NOK"}}"#

    init(http: HTTPClient, workers: [String], token: String, webhookSecret: String) {
        self.http = http
        self.workers = workers
        self.token = token
        signer = WebhookSigner(secret: Secret(webhookSecret))
    }

    /// Runs session `number` start to finish and checks what it charged.
    func run(id: String, number: Int) async throws {
        func worker(_ call: Int) -> String { workers[(number + call) % workers.count] }
        // 202 when the payment is not there within the bound (a loaded machine): the flow's reference is known anyway,
        // and a webhook that arrives before the payment is recorded is answered unknownReference; the flow then polls.
        // The bound (10 s) is well inside the client's timeout (``callTimeout``): with the two equal, a start the
        // server answered at its bound could time out at the client first (it did with 4 workers at 256 in flight).
        let started = try await send(.post, worker(0) + "/v1/flows/ev-charging/instances",
                                     #"{"id": "\#(id)", "input": \#(Self.input), "wait": "payment", "waitSeconds": 10}"#, expect: [200, 201, 202])
        let reference = (started["payment"] as? [String: Any])?["reference"] as? String ?? "ev-\(id)"
        try await webhook(reference: reference, to: worker(1))
        try await send(.post, worker(2) + "/v1/instances/\(id)/signals/meterReading",
                       #"{"signalId": "\#(id)-m1", "data": {"energyWh": \#(FlowSession.meterWh)}}"#, expect: [200, 202])
        try await send(.post, worker(3) + "/v1/instances/\(id)/signals/sessionEnded",
                       #"{"signalId": "\#(id)-end", "data": {"energyWh": \#(FlowSession.finalWh)}}"#, expect: [200, 202])
        while true {
            polls.add(1, ordering: .relaxed)
            let instance = try await send(.get, worker(0) + "/v1/instances/\(id)?wait=finished&waitSeconds=10", nil, expect: [200])
            switch instance["status"] as? String {
            case "succeeded":
                let captured = (instance["payment"] as? [String: Any])?["captured"] as? Int
                let released = (instance["payment"] as? [String: Any])?["released"] as? Int
                guard captured == Int(FlowSession.expectedCapture), released == Int(FlowSession.maxAmount - FlowSession.expectedCapture) else {
                    throw BenchError("instance \(id) captured \(captured.map(String.init) ?? "?") and released \(released.map(String.init) ?? "?"); expected \(FlowSession.expectedCapture) and \(FlowSession.maxAmount - FlowSession.expectedCapture)")
                }
                return
            case "failed":
                throw BenchError("instance \(id) failed: \(instance["failure"] ?? "no failure recorded")")
            default:
                continue
            }
        }
    }

    /// The provider's `AUTHORIZED` event for `reference`, signed as the provider signs it.
    private func webhook(reference: String, to worker: String) async throws {
        let body = Array(#"{"msn":"123456","reference":"\#(reference)","pspReference":"psp-\#(reference)","name":"AUTHORIZED","amount":{"value":\#(FlowSession.maxAmount),"currency":"NOK"},"timestamp":"\#(ISO8601DateFormatter().string(from: Date()))","idempotencyKey":null,"success":true}"#.utf8)
        let host = String(worker.dropFirst("http://".count))
        let signature = signer.sign(body: body, pathAndQuery: "/webhooks/epayment", host: host, date: Date())
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        for (name, value) in signature.headers { headers[name] = value }
        let response = try await http.execute(HTTPRequest(method: .post, url: worker + "/webhooks/epayment", headers: headers, body: body, timeout: Self.callTimeout))
        guard response.status == 200 else {
            throw BenchError("webhook for \(reference) answered HTTP \(response.status): \(response.bodyText.prefix(300))")
        }
    }

    @discardableResult
    private func send(_ method: HTTPMethod, _ url: String, _ body: String?, expect: Set<Int>) async throws -> [String: Any] {
        var headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
        if body != nil { headers["Content-Type"] = "application/json" }
        let response = try await http.execute(HTTPRequest(method: method, url: url, headers: headers, body: body.map { Array($0.utf8) }, timeout: Self.callTimeout))
        guard expect.contains(response.status) else {
            throw BenchError("\(method) \(url) answered HTTP \(response.status): \(response.bodyText.prefix(300))")
        }
        return (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }
}
