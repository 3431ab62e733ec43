import CurlHTTP
import EPayment
import EPaymentSimulator
@testable import FlowEngine
import FlowTesting
import Foundation
import Logging
import Testing

/// One retry layer (issue 14): under the engine a transient provider failure is retried by the step's durable
/// policy, as a step attempt with the step's Idempotency-Key, never by the client's in-process loop; and flow
/// tests send through the same one-attempt client as production.
@Suite("One retry layer")
struct RetryLayerTests {
    static let flows = EVChargingFlowTests.flows
    /// The bed's simulator, keeping a line per request.
    static let logged = SimulatorConfiguration(rateLimitsEnabled: false, recordsRequests: true)

    static func client(_ baseURL: String, _ http: HTTPClient, _ policy: RequestRetryPolicy) -> EPaymentClient {
        let configuration = EPaymentConfiguration(
            baseURL: baseURL, clientID: "retry-layer", clientSecret: Secret("retry-layer-secret"),
            subscriptionKey: Secret("retry-layer-key"), merchantSerialNumber: "123456")
        return EPaymentClient(configuration: configuration, httpClient: http, retryPolicy: policy, logger: .quietForTests)
    }

    @Test func theEngineSendsOneAttemptPerCallWhicheverClientItIsGiven() async throws {
        #expect(RuntimeServices.paymentRequestRetryPolicy == .noRetries)
        try await withFlowTestBed(flows: Self.flows) { bed in
            // What flow tests run is what `evflow serve`, the CLI and an embedding backend run.
            #expect(bed.runner.services.payments.retryPolicy == RuntimeServices.paymentRequestRetryPolicy)
            try await withHTTPClient { http in
                // A client with the library's default in-process loop, as a standalone caller would create it.
                let standard = Self.client(bed.simulator.baseURL, http, .standard)
                #expect(standard.retryPolicy == .standard)
                let services = RuntimeServices(payments: standard, notifier: .disabled, clock: ManualFlowClock(startingAt: Date()),
                                               logger: .quietForTests)
                #expect(services.payments.retryPolicy == .noRetries)
                // The embedding API, which takes the backend's own client.
                let state = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-retry-layer-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: state) }
                let runner = try FlowRunner(stateDirectory: state, definitions: try FlowDefinitionLoader().load(directory: Self.flows),
                                            payments: standard)
                #expect(runner.services.payments.retryPolicy == .noRetries)
                // The copy shares the backend's access-token cache: one token for both.
                _ = try? await standard.getPayment(reference: "no-such-payment")
                _ = try? await runner.services.payments.getPayment(reference: "no-such-payment")
                #expect(await standard.accessTokenFetchCount == 1)
                #expect(await runner.services.payments.accessTokenFetchCount == 1)
            }
        }
    }

    /// An operator's own calls (reconcile's look-ups, the release `cancel` makes for an instance that already
    /// ended) belong to no step, so no durable policy would retry them: they keep the client's in-process loop and
    /// ride out a transient 5xx.
    @Test func operatorCommandsRideOutATransientFailure() async throws {
        try await withFlowTestBed(flows: Self.flows, simulatorConfiguration: Self.logged) { bed in
            #expect(bed.runner.services.operatorPayments.retryPolicy == RuntimeServices.operatorRequestRetryPolicy)
            try await EVChargingFlowTests.startCharging(bed, id: "operator-retry")
            bed.simulator.setFault(FaultRule(serverErrorRate: 1, times: 1), for: .getPayment)
            let report = try await bed.runner.reconcile("operator-retry", repair: false)
            #expect(report.isConsistent, "\(report)")
            let looks = bed.simulator.recordedRequests().filter { $0.operation == SimulatedOperation.getPayment.rawValue }
            #expect(looks.map(\.status).suffix(2) == [500, 200], "the 5xx was retried inside the command: \(looks.map(\.status))")
        }
    }

    /// Runs a session that ends at 12 kWh (4,788 øre) with `fault` armed on the capture, and returns the capture
    /// step's record and the capture requests the simulator received.
    static func capture(under fault: FaultRule, _ bed: FlowTestBed, id: String) async throws -> (StepRecord, [RecordedRequest]) {
        try await EVChargingFlowTests.startCharging(bed, id: id)
        bed.simulator.setFault(fault, for: .capturePayment)
        try await bed.signal(id, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
        try await bed.advance(by: .seconds(30 * 60))
        let instance = try bed.instance(id)
        #expect(instance.status == .succeeded, "\(instance.failure?.message ?? "")")
        let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: id)))
        #expect(payment.aggregate.captured == 4_788)
        #expect(payment.aggregate.cancelled == 45_212)
        #expect(payment.events(named: "CAPTURED").count == 1)
        let record = try #require(instance.steps.last { $0.step == "capture" })
        let requests = bed.simulator.recordedRequests().filter { $0.operation == SimulatedOperation.capturePayment.rawValue }
        // Every capture request carried the one key the step recorded before its first attempt.
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.idempotencyKey == record.idempotencyKey && record.idempotencyKey != nil })
        #expect(payment.events(named: "CAPTURED").first?.idempotencyKey == record.idempotencyKey)
        return (record, requests)
    }

    @Test func aServerErrorIsRetriedAsAStepAttemptWithTheSameKey() async throws {
        try await withFlowTestBed(flows: Self.flows, simulatorConfiguration: Self.logged) { bed in
            let (record, requests) = try await Self.capture(under: FaultRule(serverErrorRate: 1, times: 1), bed, id: "layer-500")
            // Two requests, two step attempts: the retry was the step's (a client loop would have sent both
            // within one attempt).
            #expect(requests.map(\.status) == [500, 200])
            #expect(record.attempts == 2)
            let retries = try bed.instance("layer-500").history.filter { $0.event == "retry" && $0.step == "capture" }
            #expect(retries.count == 1)
            #expect(retries.first?.detail?.contains("retryable error, attempt 2") == true)
        }
    }

    @Test func aRateLimitedCallWaitsTheProvidersRetryAfterOnADurableTimer() async throws {
        try await withFlowTestBed(flows: Self.flows, simulatorConfiguration: Self.logged) { bed in
            let (record, requests) = try await Self.capture(
                under: FaultRule(tooManyRequestsRate: 1, retryAfterSeconds: 40, times: 1), bed, id: "layer-429")
            #expect(requests.map(\.status) == [429, 200])
            #expect(record.attempts == 2)
            // The capture's own backoff before attempt 2 is at most 2 s; the provider asked for 40.
            if requests.count == 2 {
                #expect(requests[1].receivedAt.timeIntervalSince(requests[0].receivedAt) >= 40)
            }
            let history = try bed.instance("layer-429").history
            #expect(history.contains { $0.event == "retry" && $0.step == "capture" && ($0.detail ?? "").contains("rateLimited error, attempt 2 in 40s") })
        }
    }

    @Test func aLostResponseIsConfirmedByTheStepNotResentByTheClient() async throws {
        try await withFlowTestBed(flows: Self.flows, simulatorConfiguration: Self.logged) { bed in
            // Applied, then the connection closes without an answer; armed for two requests because libcurl itself
            // resends once on a reused keep-alive connection (same key, same body).
            let (record, requests) = try await Self.capture(under: FaultRule(responseLostRate: 1, times: 2), bed, id: "layer-lost")
            // At most libcurl's one resend inside the attempt; the step's retry looks the key up and finds it applied,
            // so nothing is sent a third time.
            #expect(requests.count <= 2)
            #expect(requests.allSatisfy { $0.fault == "responseLost" })
            #expect(record.attempts == 1)
            let history = try bed.instance("layer-lost").history.filter { $0.step == "capture" }
            #expect(history.contains { $0.event == "retry" && ($0.detail ?? "").contains("maybeApplied error, attempt 2") })
            #expect(history.contains { $0.event == "confirmed" })
        }
    }

    @Test func aFailedAccessTokenFetchIsRetryableAndNeverTakenForAnEffect() async throws {
        try await withFlowTestBed(flows: Self.flows, simulatorConfiguration: Self.logged) { bed in
            bed.simulator.setFault(FaultRule(serverErrorRate: 1, times: 1), for: .accessToken)
            try await bed.start("ev-charging", id: "layer-token", inputs: EVChargingFlowTests.inputs())
            let failed = try #require(try bed.instance("layer-token").steps.last { $0.step == "reserve" })
            #expect(failed.attempts == 1)
            #expect(failed.nextAttemptAt != nil)
            // The create was never sent: nothing to confirm, no "may have taken effect".
            #expect(failed.unconfirmedSince == nil)
            #expect((failed.lastError ?? "").contains("accessToken"))
            #expect(bed.simulator.recordedRequests().filter { $0.operation == SimulatedOperation.createPayment.rawValue }.isEmpty)

            try await bed.advance(by: .seconds(5))
            let record = try #require(try bed.instance("layer-token").steps.last { $0.step == "reserve" })
            #expect(record.attempts == 2)
            #expect(record.completedAt != nil)
            let requests = bed.simulator.recordedRequests()
            #expect(requests.filter { $0.operation == SimulatedOperation.accessToken.rawValue }.map(\.status) == [500, 200])
            let creates = requests.filter { $0.operation == SimulatedOperation.createPayment.rawValue }
            #expect(creates.count == 1)
            #expect(creates.first?.idempotencyKey == record.idempotencyKey)
            #expect(bed.ledger.payments.count == 1)
            let history = try bed.instance("layer-token").history
            #expect(history.contains { $0.event == "retry" && $0.step == "reserve" && ($0.detail ?? "").contains("retryable error, attempt 2") })
        }
    }

    @Test func aTimedOutCallIsRetriedByAPolicyThatListsMaybeAppliedOrTimeout() throws {
        let sent = HTTPClientError(code: .timeout, delivery: .maybeSent, method: "POST", url: "http://provider/epayment/v1/payments",
                                   detail: "operation timed out")
        let create = EPaymentError(.maybeApplied, operation: .createPayment, idempotencyKey: "evf-1", transportError: sent,
                                   detail: "no complete response, and the request may have reached the server")
        #expect(StepRetryPolicy.ErrorClass.classes(of: create) == [.timeout, .maybeApplied])
        // The shipped reserve step lists maybeApplied but not timeout: it still retries a timed-out create.
        let reserve = try #require(try FlowDefinitionLoader().load(directory: Self.flows)["ev-charging"]?.step("reserve")?.retry)
        #expect(!reserve.retryOn.contains(.timeout))
        #expect(reserve.retryClass(of: create) == .maybeApplied)
        var onlyTimeouts = StepRetryPolicy.standard
        onlyTimeouts.retryOn = [.timeout]
        #expect(onlyTimeouts.retryClass(of: create) == .timeout)
        onlyTimeouts.retryOn = [.conflict]
        #expect(onlyTimeouts.retryClass(of: create) == nil)
        #expect(Interpreter.mayHaveTakenEffect(create))

        // A token fetch that timed out is retryable, and took no effect whatever its transport says.
        let token = EPaymentError(.retryable, operation: .accessToken, reference: "ev-1", idempotencyKey: "evf-1", transportError: sent,
                                  detail: "no response from the token endpoint")
        #expect(StepRetryPolicy.ErrorClass.classes(of: token) == [.retryable])
        #expect(!Interpreter.mayHaveTakenEffect(token))
        let token429 = EPaymentError(.retryable, operation: .accessToken, httpStatus: 429, retryAfter: .seconds(3), detail: "slow down")
        #expect(StepRetryPolicy.ErrorClass.classes(of: token429) == [.rateLimited])
        let refused = EPaymentError(.unauthorized, operation: .accessToken, httpStatus: 401, detail: "wrong secret")
        #expect(StepRetryPolicy.ErrorClass.classes(of: refused).isEmpty)
    }

    /// With one request per attempt, the shipped reserve step's own policy is what rides out a provider outage:
    /// eight attempts (up to 30 s apart) survive six failed creates in a row, about a minute of backoff.
    @Test func theShippedReserveStepRidesOutSixFailedCreatesInARow() async throws {
        try await withFlowTestBed(flows: Self.flows, simulatorConfiguration: Self.logged) { bed in
            bed.simulator.setFault(FaultRule(serverErrorRate: 1, times: 6), for: .createPayment)
            try await bed.start("ev-charging", id: "outage-1", inputs: EVChargingFlowTests.inputs())
            try await bed.advance(by: .seconds(5 * 60))
            let instance = try bed.instance("outage-1")
            #expect(instance.payment != nil, "\(instance.status): \(instance.failure?.message ?? "")")
            let creates = bed.simulator.recordedRequests().filter { $0.operation == SimulatedOperation.createPayment.rawValue }
            #expect(creates.map(\.status) == [500, 500, 500, 500, 500, 500, 201])
            #expect(Set(creates.map(\.idempotencyKey)).count == 1)
        }
    }

    /// The provider's "not found" is final at once only for an answered last attempt after no uncertain one: a
    /// create that timed out and was followed by answered 5xx can still land (the visit's five attempts, one
    /// request each, fit in well under the 120 s a sent call is given), so it waits.
    @Test func aNotFoundIsFinalOnlyOnceTheVisitsLastUnansweredCallCanNoLongerLand() {
        let earlier = Date(timeIntervalSince1970: 1_800_000_000), now = earlier.addingTimeInterval(20)
        let answered = EPaymentError(.retryable, operation: .createPayment, httpStatus: 503, detail: "gateway")
        #expect(Interpreter.lastUnansweredSend(after: answered, sentAt: now, before: nil) == nil, "every call answered: final at once")
        #expect(Interpreter.lastUnansweredSend(after: answered, sentAt: now, before: earlier) == earlier,
                "an earlier call that got no answer can still land after this answered one")
        let sent = HTTPClientError(code: .timeout, delivery: .maybeSent, method: "POST", url: "http://provider/epayment/v1/payments",
                                   detail: "operation timed out")
        let unanswered = EPaymentError(.maybeApplied, operation: .createPayment, idempotencyKey: "evf-1", transportError: sent, detail: "timeout")
        #expect(Interpreter.lastUnansweredSend(after: unanswered, sentAt: now, before: earlier) == now)
        let token = EPaymentError(.retryable, operation: .accessToken, httpStatus: 503, detail: "token endpoint down")
        #expect(Interpreter.lastUnansweredSend(after: token, sentAt: now, before: nil) == nil, "a failed token fetch sent nothing")
        #expect(Interpreter.lastUnansweredSend(after: token, sentAt: now, before: earlier) == earlier)
        // An operator command's client tries several times: its error describes only the last try.
        var lastOfSeveral = EPaymentError(.retryable, operation: .accessToken, httpStatus: 503, detail: "token endpoint down")
        #expect(!Interpreter.mayHaveTakenEffect(lastOfSeveral))
        lastOfSeveral.attempts = 3
        #expect(Interpreter.mayHaveTakenEffect(lastOfSeveral), "an earlier try may have been sent and landed")
    }

    @Test func aFailedLookUpIsRepeatedSoonAfterTheLastSendThenEverMoreSlowly() {
        let money = StepRetryPolicy(maxAttempts: 10, initialBackoff: .seconds(2), maxBackoff: .seconds(300), multiplier: 2,
                                    jitter: .full, retryOn: [.retryable])
        #expect(Interpreter.lookUpDelay(sinceLastSent: 2, money) == .seconds(5))
        #expect(Interpreter.lookUpDelay(sinceLastSent: 60, money) == .seconds(15))
        #expect(Interpreter.lookUpDelay(sinceLastSent: 3_600, money) == .seconds(300))
        var quick = money
        quick.maxBackoff = .seconds(1)
        #expect(Interpreter.lookUpDelay(sinceLastSent: 3_600, quick) == .seconds(5))
    }

    @Test func retryAfterBecomesAtLeastThatManyMilliseconds() {
        #expect(Interpreter.waitAtLeast(.seconds(30)) == .seconds(30))
        #expect(Interpreter.waitAtLeast(.milliseconds(500)) == FlowDuration(milliseconds: 500))
        #expect(Interpreter.waitAtLeast(.nanoseconds(1)) == FlowDuration(milliseconds: 1))
        #expect(Interpreter.waitAtLeast(.zero) == FlowDuration(milliseconds: 0))
        #expect(Interpreter.waitAtLeast(.seconds(Int64.max)) == .seconds(86_400))
    }
}

extension Logger {
    static var quietForTests: Logger {
        var logger = Logger(label: "evflow.test")
        logger.logLevel = .critical
        return logger
    }
}
