import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// Every kind of response body the simulator sends is checked against the official specs
/// (`../shared/reference/epayment-openapi.yaml`, `webhooks-openapi.yaml`) by `scripts/check-epayment-responses.py`.
@Suite("Responses conform to the ePayment OpenAPI spec")
struct SpecConformanceTests {
    /// Runs the checker on `records`; returns its exit status and output.
    /// - Parameter spec: another spec beside the ePayment one in `../shared/reference/`, for example
    ///   `order-management-openapi.yaml`.
    static func check(_ records: [RecordedResponse], spec: String? = nil) async throws -> (status: Int32, output: String) {
        try await TemporaryFolder.with("sim-responses") { folder in
            let file = folder.appending(path: "responses.json")
            try JSONEncoder().encode(records).write(to: file)
            var arguments = ["python3", Repository.path("scripts/check-epayment-responses.py").path, file.path]
            if let spec { arguments.append("--spec=" + Repository.path("../shared/reference/\(spec)").path) }
            let result = try await ChildProcess.run(URL(filePath: "/usr/bin/env"), arguments, mergingStandardError: true)
            return (result.status, result.output)
        }
    }

    /// Drives every operation through success and each kind of error, recording what the simulator sent.
    static func exerciseEveryResponse() async throws -> [RecordedResponse] {
        try await withWebhookReceiver { receiver, url in
            var configuration = SimulatorConfiguration(rateLimitsEnabled: false, recordsResponses: true)
            configuration.webhooks = WebhookConfiguration(urls: [url], secret: "s", initialBackoff: .milliseconds(10))
            return try await withTestSimulator(configuration) { simulator, api throws in
                _ = try await api.send(.post, "/accesstoken/get", headers: [("client_id", "a"), ("client_secret", "b")], authorized: false)
                _ = try await api.send(.post, "/accesstoken/get", authorized: false)
                _ = try await api.create("spec-0001", value: 10_000)
                _ = try await api.create("spec-0001", value: 10_000, key: "other")
                _ = try await api.create("bad", value: 1)
                let web = #"{"amount":{"currency":"EUR","value":500},"paymentMethod":{"type":"CARD"},"reference":"spec-0002","userFlow":"WEB_REDIRECT","returnUrl":"https://example.com","metadata":{"session":"42"},"profile":{"scope":"name"}}"#
                _ = try await api.send(.post, "/epayment/v1/payments", body: web, idempotencyKey: "web")
                _ = try await api.get("spec-0001")
                _ = try await api.get("spec-0002")
                _ = try await api.get("missing-ref")
                _ = try await api.capture("spec-0001", 100)
                _ = try await api.approve("spec-0001")
                _ = try await api.approve("spec-0002")
                _ = try await api.get("spec-0002")
                _ = try await api.capture("spec-0001", 4000)
                _ = try await api.capture("spec-0001", 4000, key: UUID().uuidString, currency: "DKK")
                _ = try await api.refund("spec-0001", 1000)
                _ = try await api.refund("spec-0001", 9000)
                _ = try await api.cancel("spec-0001", key: nil)
                _ = try await api.capture("spec-0001", 1)
                _ = try await api.events("spec-0001")
                _ = try await api.send(.get, "/epayment/v1/payments/spec-0001", authorized: false)
                simulator.setFault(FaultRule(serverErrorRate: 1, times: 1), for: .getPaymentEventLog)
                _ = try await api.events("spec-0001")
                simulator.setFault(FaultRule(tooManyRequestsRate: 1, times: 1), for: .refundPayment)
                _ = try await api.refund("spec-0001", 1)
                _ = try await api.create("spec-0003")
                try simulator.advanceClock(by: .seconds(601))
                _ = try await api.events("spec-0003")
                _ = try await api.cancel("spec-0003")
                let registered = try await api.send(.post, "/webhooks/v1/webhooks", body: #"{"url": "https://hooks.example.com/evflow", "events": ["epayments.payment.captured.v1"]}"#)
                _ = try await api.send(.post, "/webhooks/v1/webhooks", body: #"{"url": "ftp://hooks.example.com", "events": []}"#)
                _ = try await api.send(.get, "/webhooks/v1/webhooks")
                let id = registered.decode([String: String].self)?["id"] ?? ""
                _ = try await api.send(.delete, "/webhooks/v1/webhooks/\(id)")
                _ = try await api.send(.delete, "/webhooks/v1/webhooks/\(id)")
                _ = try await api.send(.delete, "/webhooks/v1/webhooks/not-a-uuid")
                var records = simulator.recordedResponses()
                let webhooks = try await receiver.waitFor(9)
                #expect(webhooks.count == 9, "\(webhooks.map { String(decoding: $0.body, as: UTF8.self) })")
                records += webhooks.map {
                    RecordedResponse(operation: "webhook", method: "POST", pathTemplate: "webhook", status: 200, body: String(decoding: $0.body, as: UTF8.self))
                }
                return records
            }
        }
    }

    @Test func everyResponseBodyValidatesAgainstTheSpec() async throws {
        let records = try await Self.exerciseEveryResponse()
        let statuses = Set(records.map(\.status))
        #expect(statuses.isSuperset(of: [200, 201, 204, 400, 401, 404, 409, 429, 500]), "the scenario covers each status")
        // The Order Management receipt has its own spec: ReceiptTests checks it against that one.
        let covered = SimulatedOperation.all.filter { $0 != .postReceipt }
        #expect(Set(records.map(\.operation)).isSuperset(of: covered.map(\.rawValue) + ["webhook"]))
        let (status, output) = try await Self.check(records)
        #expect(status == 0, "\(output)")
        #expect(output.contains("all valid"))
    }

    @Test func theCheckerRejectsBodiesThatDoNotMatch() async throws {
        let good = #"{"aggregate":{"authorizedAmount":{"currency":"NOK","value":0},"cancelledAmount":{"currency":"NOK","value":0},"capturedAmount":{"currency":"NOK","value":0},"refundedAmount":{"currency":"NOK","value":0}},"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"profile":{},"pspReference":"1","reference":"spec-0009","state":"CREATED"}"#
        let record = { (body: String) in
            RecordedResponse(operation: "getPayment", method: "GET", pathTemplate: "/v1/payments/{Reference}", status: 200, body: body)
        }
        let broken = [
            good.replacingOccurrences(of: #""state":"CREATED""#, with: #""state":"CAPTURED""#),
            good.replacingOccurrences(of: #""profile":{},"#, with: ""),
            good.replacingOccurrences(of: #""value":1000"#, with: #""value":"1000""#),
            good.replacingOccurrences(of: #""pspReference""#, with: #""pspRef""#),
        ]
        // One run (starting Python is the slow part): the good body passes, each broken one is reported.
        let (status, output) = try await Self.check(([good] + broken).map(record))
        #expect(status == 1)
        #expect(!output.contains("#0 "), "\(output)")
        for index in 1...broken.count {
            #expect(output.contains("#\(index) getPayment"), "broken body #\(index) is reported: \(output)")
        }
    }
}
