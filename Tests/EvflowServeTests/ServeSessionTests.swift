import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// Full EV sessions driven only over HTTP, with the money checked in the simulator's ledger.
@Suite(.serialized)
struct ServeSessionTests {
    /// 18.750 kWh × 3.99 NOK/kWh = 74.81 NOK (half-up) + 4.90 NOK start fee.
    static let expectedCapture: Int64 = 7971

    /// On the state folder and, with a test cluster, on PostgreSQL: the same session, the same money.
    @Test(arguments: ServeStoreKind.all)
    func sessionWithAuthorizationByWebhook(store: ServeStoreKind) async throws {
        // The flow's first poll is 10 minutes after creation, so only the webhook can wake the instance in time.
        try await withServeFixture(webhooks: true, poll: #"{ "firstAfter": "10m", "every": "2s" }"#, store: store) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-webhook"))
                #expect(created.status == 201, "\(created.text)")
                #expect(created.header("Location") == "/v1/instances/s-webhook")
                try await fixture.waitFor("s-webhook", timeout: .seconds(60), "authorization by webhook") { $0.step == "meter" }
                try await Self.meterAndEnd(fixture, "s-webhook")
                let metrics = try await fixture.call(.get, "/metrics", token: nil).text
                for series in [#"evflow_instances_succeeded_total{flow="ev-charging"}"#, #"evflow_amount_captured_minor_units_total{currency="NOK"}"#,
                               #"evflow_amount_released_minor_units_total{currency="NOK"}"#, #"evflow_step_duration_seconds_bucket{flow="ev-charging",step="capture",le="+Inf"}"#,
                               #"evflow_webhooks_total{outcome="delivered"}"#] {
                    #expect(metrics.contains(series), "missing \(series) in:\n\(metrics)")
                }
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == Self.expectedCapture)
            #expect(payment.aggregate.cancelled == 50_000 - Self.expectedCapture)
            #expect(payment.events(named: "CAPTURED").count == 1)
            let delivered = fixture.simulator.webhookDeliveries().filter { $0.delivered && $0.eventName == "AUTHORIZED" }
            #expect(!delivered.isEmpty, "the AUTHORIZED webhook was acknowledged")
            #expect(fixture.station.events == ["charging.start", "charging.completed"])
        }
    }

    @Test(arguments: ServeStoreKind.all)
    func sessionWithPollingOnly(store: ServeStoreKind) async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#, store: store) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-poll"))
                #expect(created.status == 201, "\(created.text)")
                try await fixture.waitFor("s-poll", "authorization by polling") { $0.step == "meter" }
                try await Self.meterAndEnd(fixture, "s-poll")
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == Self.expectedCapture)
            #expect(payment.aggregate.cancelled == 50_000 - Self.expectedCapture)
            #expect(fixture.simulator.webhookDeliveries().isEmpty)
        }
    }

    @Test func restartMidSession() async throws {
        try await withServeFixture(webhooks: true, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-restart"))
                #expect(created.status == 201, "\(created.text)")
                try await fixture.waitFor("s-restart", "authorization") { $0.step == "meter" }
                let reading = try await fixture.call(.post, "/v1/instances/s-restart/signals/meterReading",
                                                     json: #"{"signalId": "r-1", "data": {"energyWh": 9000}}"#)
                #expect(reading.status == 202, "\(reading.text)")
            }
            // A new server process on the same state folder: the session continues where it was.
            try await fixture.withServer {
                let again = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-restart"))
                #expect(again.status == 200, "the same start after a restart is a harmless repeat: \(again.text)")
                let repeatReading = try await fixture.call(.post, "/v1/instances/s-restart/signals/meterReading",
                                                           json: #"{"signalId": "r-1", "data": {"energyWh": 9000}}"#)
                #expect(try repeatReading.decode(SignalReceipt.self).accepted == false)
                try await Self.meterAndEnd(fixture, "s-restart")
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == Self.expectedCapture)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.aggregate.cancelled == 50_000 - Self.expectedCapture)
        }
    }

    /// One retry layer (issue 14): the server's payment client makes one attempt per call, and a 5xx on the capture
    /// and a 429 with Retry-After on the release are retried by the steps' durable policies, as step attempts with
    /// the step's Idempotency-Key, not inside the client while the instance is locked.
    @Test func transientProviderFailuresAreRetriedAsStepAttempts() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#, recordsRequests: true) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("s-step-retry"))
                #expect(created.status == 201, "\(created.text)")
                try await fixture.waitFor("s-step-retry", "authorization by polling") { $0.step == "meter" }
                fixture.simulator.setFault(FaultRule(serverErrorRate: 1, times: 1), for: .capturePayment)
                fixture.simulator.setFault(FaultRule(tooManyRequestsRate: 1, retryAfterSeconds: 1, times: 1), for: .cancelPayment)
                try await Self.meterAndEnd(fixture, "s-step-retry")
            }
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.events(named: "CANCELLED").count == 1)
            let instance = try FileInstanceStore(stateDirectory: fixture.stateDirectory).load("s-step-retry")
            let requests = fixture.simulator.recordedRequests()
            for (step, operation, statuses) in [("capture", SimulatedOperation.capturePayment, [500, 200]),
                                                ("releaseRemainder", .cancelPayment, [429, 200])] {
                let record = try #require(instance.steps.last { $0.step == step })
                let sent = requests.filter { $0.operation == operation.rawValue }
                // Each request a step attempt of its own, all with the key the step recorded before the first.
                #expect(sent.map(\.status) == statuses, "\(step)")
                #expect(record.attempts == 2, "\(step)")
                #expect(record.idempotencyKey != nil && sent.allSatisfy { $0.idempotencyKey == record.idempotencyKey }, "\(step)")
                #expect(instance.history.contains { $0.event == "retry" && $0.step == step }, "\(step)")
            }
            let cancels = requests.filter { $0.operation == SimulatedOperation.cancelPayment.rawValue }
            if cancels.count == 2 { #expect(cancels[1].receivedAt.timeIntervalSince(cancels[0].receivedAt) >= 1, "Retry-After: 1 was honoured") }
        }
    }

    /// Two meter readings and the end of the session, then waits for success and checks the instance's money.
    static func meterAndEnd(_ fixture: ServeFixture, _ id: String) async throws {
        for (number, energy) in [(2, 5200), (3, 12_000)] {
            let reply = try await fixture.call(.post, "/v1/instances/\(id)/signals/meterReading",
                                               json: #"{"signalId": "r-\#(number)", "data": {"energyWh": \#(energy)}}"#)
            #expect(reply.status == 202, "\(reply.text)")
            #expect(try reply.decode(SignalReceipt.self).accepted == true)
        }
        let end = try await fixture.call(.post, "/v1/instances/\(id)/signals/sessionEnded",
                                         json: #"{"signalId": "end", "data": {"energyWh": 18750}}"#)
        #expect(end.status == 202, "\(end.text)")
        let finished = try await fixture.waitFor(id, "success") { $0.status == "succeeded" }
        let payment = try #require(finished.payment)
        #expect(payment.captured == Int(expectedCapture))
        #expect(payment.released == 50_000 - Int(expectedCapture))
        #expect(payment.held == 0)
        let output = try #require(finished.output)
        #expect(output["energyWh"] == .number(18_750))
    }
}
