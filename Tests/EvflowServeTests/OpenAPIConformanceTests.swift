import CurlHTTP
import EPayment
import EvflowTestSupport
import Foundation
import Synchronization
import Testing

/// Every route's responses (successes and errors) are checked against `docs/api.yaml` by
/// `scripts/check-evflow-api.py` (openapi-schema-validator, installed into a venv when missing).
@Suite(.serialized)
struct OpenAPIConformanceTests {
    struct Record: Codable, Sendable {
        var method: String
        var path: String
        var status: Int
        var contentType: String?
        var body: String
    }

    final class Recorder: Sendable {
        let records = Mutex<[Record]>([])

        @discardableResult
        func call(_ fixture: ServeFixture, _ method: HTTPMethod, _ path: String, template: String, json: String? = nil,
                  token: String? = ServeFixture.token) async throws -> ServeFixture.Reply {
            let reply = try await fixture.call(method, path, json: json, token: token)
            records.withLock { $0.append(Record(method: method.rawValue, path: template, status: reply.status,
                                                 contentType: reply.header("Content-Type"), body: reply.text)) }
            return reply
        }
    }

    @Test func responsesConformToTheSpec() async throws {
        let recorder = Recorder()
        try await withServeFixture(webhooks: true) { fixture in
            try await fixture.withServer {
                let start = "/v1/flows/{flow}/instances", one = "/v1/instances/{id}", signal = "/v1/instances/{id}/signals/{name}"
                let cancel = "/v1/instances/{id}/cancel", list = "/v1/instances", webhook = "/webhooks/epayment"
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start, json: ServeFixture.startBody("c-1"))
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start, json: ServeFixture.startBody("c-1"))
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start, json: ServeFixture.startBody("c-2"))
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start, json: #"{"id": "c-1", "input": {"phoneNumber": "4790000000", "pricePerKWh": {"value": 1, "currency": "NOK"}}}"#)
                try await recorder.call(fixture, .post, "/v1/flows/nope/instances", template: start, json: ServeFixture.startBody("c-3"))
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start, json: #"{"id": "c-4", "input": {"pricePerKWh": "cheap"}}"#)
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start, json: "[]")
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start, json: ServeFixture.startBody("c-5"), token: nil)
                try await recorder.call(fixture, .post, "/v1/flows/ev-charging/instances", template: start,
                                        json: #"{"id": "c-6", "input": {"x": ""# + String(repeating: "y", count: 70_000) + #""}}"#)
                try await fixture.waitFor("c-1", "authorization") { $0.step == "meter" }
                try await recorder.call(fixture, .get, "/v1/instances/c-1", template: one)
                try await recorder.call(fixture, .get, "/v1/instances/missing", template: one)
                try await recorder.call(fixture, .get, "/v1/instances/bad%20id", template: one)
                try await recorder.call(fixture, .post, "/v1/instances/c-1/signals/meterReading", template: signal, json: #"{"signalId": "m1", "data": {"energyWh": 100}}"#)
                try await recorder.call(fixture, .post, "/v1/instances/c-1/signals/meterReading", template: signal, json: #"{"signalId": "m1", "data": {"energyWh": 100}}"#)
                try await recorder.call(fixture, .post, "/v1/instances/c-1/signals/meterReading", template: signal, json: #"{"data": {"watts": 1}}"#)
                try await recorder.call(fixture, .post, "/v1/instances/missing/signals/meterReading", template: signal, json: #"{"data": {"energyWh": 1}}"#)
                let meter = "/v1/instances/{id}/meter-values"
                try await recorder.call(fixture, .post, "/v1/instances/c-1/meter-values", template: meter, json: OCPPMessages.transactionEvent201(seqNo: 1, value: "21005", unit: "Wh", multiplier: -1))
                try await recorder.call(fixture, .post, "/v1/instances/c-1/meter-values", template: meter, json: OCPPMessages.transactionEvent201(seqNo: 1, value: "21005", unit: "Wh", multiplier: -1))
                try await recorder.call(fixture, .post, "/v1/instances/c-1/meter-values", template: meter,
                                        json: OCPPMessages.transactionEvent201(seqNo: 2, value: nil, triggerReason: "ChargingStateChanged"))
                try await recorder.call(fixture, .post, "/v1/instances/c-1/meter-values", template: meter, json: OCPPMessages.meterValues16(value: "1", unit: "W"))
                try await recorder.call(fixture, .post, "/v1/instances/c-1/meter-values", template: meter, json: "")
                try await recorder.call(fixture, .post, "/v1/instances/missing/meter-values", template: meter, json: OCPPMessages.meterValues16(value: "1"))
                try await recorder.call(fixture, .post, "/v1/instances/c-1/signals/sessionEnded", template: signal, json: #"{"signalId": "end", "data": {"energyWh": 18750}}"#)
                try await fixture.waitFor("c-1", "success") { $0.status == "succeeded" }
                try await recorder.call(fixture, .get, "/v1/instances/c-1", template: one)
                try await recorder.call(fixture, .post, "/v1/instances/c-1/signals/meterReading", template: signal, json: #"{"data": {"energyWh": 1}}"#)
                try await recorder.call(fixture, .post, "/v1/instances/c-1/meter-values", template: meter, json: OCPPMessages.transactionEvent201(seqNo: 2, value: "1"))
                try await recorder.call(fixture, .post, "/v1/instances/c-2/cancel", template: cancel, json: #"{"reason": "conformance"}"#)
                try await recorder.call(fixture, .post, "/v1/instances/c-2/cancel", template: cancel, json: #"{"reason": ""}"#)
                try await recorder.call(fixture, .post, "/v1/instances/missing/cancel", template: cancel, json: #"{"reason": "x"}"#)
                try await recorder.call(fixture, .post, "/v1/instances/%C3%A9/cancel", template: cancel, json: #"{"reason": "x"}"#)
                let refund = "/v1/instances/{id}/refund"
                try await recorder.call(fixture, .post, "/v1/instances/c-1/refund", template: refund, json: #"{"amount": 1000, "reason": "conformance"}"#)
                try await recorder.call(fixture, .post, "/v1/instances/c-1/refund", template: refund, json: #"{"amount": 999999, "reason": "too much"}"#)
                try await recorder.call(fixture, .post, "/v1/instances/c-1/refund", template: refund, json: #"{"amount": "12.50", "reason": "x"}"#)
                try await recorder.call(fixture, .post, "/v1/instances/missing/refund", template: refund, json: #"{"amount": "all", "reason": "x"}"#)
                try await recorder.call(fixture, .post, "/v1/instances/%C3%A9/signals/meterReading", template: signal, json: #"{"data": {"energyWh": 1}}"#)
                try await recorder.call(fixture, .get, "/v1/instances", template: list)
                try await recorder.call(fixture, .get, "/v1/instances?status=failed&flow=ev-charging", template: list)
                try await recorder.call(fixture, .get, "/v1/instances?status=stuck", template: list)
                try await recorder.call(fixture, .get, "/v1/instances?status=nope", template: list)
                try await recorder.call(fixture, .get, "/v1/instances", template: list, token: "wrong")
                try await recorder.call(fixture, .post, "/webhooks/epayment", template: webhook, json: "{}", token: nil)
                try await recorder.call(fixture, .get, "/healthz", template: "/healthz", token: nil)
                try await recorder.call(fixture, .get, "/metrics", template: "/metrics", token: nil)
            }
        }
        let records = recorder.records.withLock { $0 }
        let statuses = Set(records.map { "\($0.method) \($0.path) \($0.status)" })
        #expect(statuses.count >= 20, "\(statuses.sorted())")
        let (status, output) = try await Self.check(records)
        #expect(status == 0, "\(output)")
        #expect(output.contains(", 0 problems"), "\(output)")
    }

    @Test func theCheckerCatchesANonConformingResponse() async throws {
        let wrong = [Record(method: "GET", path: "/v1/instances/{id}", status: 200, contentType: "application/json",
                            body: #"{"id": "x", "flow": "f", "version": "one", "status": "running", "createdAt": "yesterday", "updatedAt": "2026-01-01T00:00:00Z", "surprise": 1}"#),
                     Record(method: "GET", path: "/v1/instances/{id}", status: 418, contentType: "application/problem+json", body: "{}")]
        let (status, output) = try await Self.check(wrong)
        #expect(status == 1, "\(output)")
        #expect(output.contains("version"))
        #expect(output.contains("createdAt"))
        #expect(output.contains("surprise"))
        #expect(output.contains("418"))
    }

    /// Runs the checker, with a venv holding openapi-schema-validator when the system Python lacks it.
    static func check(_ records: [Record]) async throws -> (status: Int32, output: String) {
        try await TemporaryFolder.with("evflow-api-responses") { folder in
            let file = folder.appending(path: "responses.json")
            try JSONEncoder().encode(records).write(to: file)
            let python = try await pythonWithValidator()
            return try await run(python, [Repository.path("scripts/check-evflow-api.py").path, file.path])
        }
    }

    static func pythonWithValidator() async throws -> String {
        if try await run("/usr/bin/env", ["python3", "-c", "import yaml, openapi_schema_validator"]).status == 0 { return "/usr/bin/env" }
        let venv = FileManager.default.temporaryDirectory.appending(path: "evflow-api-check-venv")
        let python = venv.appending(path: "bin/python").path
        var usable = FileManager.default.fileExists(atPath: python)
        if usable { usable = try await run(python, ["-c", "import yaml, openapi_schema_validator"]).status == 0 }
        if !usable {
            let created = try await run("/usr/bin/env", ["python3", "-m", "venv", venv.path])
            try #require(created.status == 0, "python3 -m venv failed: \(created.output)")
            let installed = try await run(python, ["-m", "pip", "install", "--quiet", "openapi-schema-validator", "pyyaml"])
            try #require(installed.status == 0, "pip install failed: \(installed.output)")
        }
        return python
    }

    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let arguments = executable == "/usr/bin/env" && arguments.first != "python3" ? ["python3"] + arguments : arguments
        let result = try await ChildProcess.run(URL(filePath: executable), arguments, mergingStandardError: true, timeout: .seconds(300))
        return (result.status, result.output)
    }
}
