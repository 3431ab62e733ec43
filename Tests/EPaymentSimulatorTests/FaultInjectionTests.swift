import CurlHTTP
import EPaymentSimulator
import Foundation
import Testing

/// Each injected fault does what it says: before or after the effect, seen by a real client over a socket.
@Suite("Fault injection")
struct FaultInjectionTests {
    @Test func responseLostAppliesTheCaptureButTheCallerSeesNoResponse() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("fault-0001", value: 1000)
            simulator.setFault(FaultRule(responseLostRate: 1, times: 1), for: .capturePayment)
            let error = try await #require(throws: HTTPClientError.self) {
                try await api.onFreshConnection { try await $0.capture("fault-0001", 400, key: "lost-capture") }
            }
            #expect(error.delivery == .maybeSent)
            #expect(simulator.payment(reference: "fault-0001")?.aggregate.captured == 400, "the effect happened")

            // A careful client retries with the same key and body: same result, still one capture.
            let retried = try await api.capture("fault-0001", 400, key: "lost-capture")
            #expect(retried.status == 200)
            #expect(retried.aggregate("capturedAmount") == 400)
            #expect(simulator.payment(reference: "fault-0001")?.events(named: "CAPTURED").count == 1)

            // A naive client retrying with a new key captures twice: the failure mode this fault exists for.
            simulator.setFault(FaultRule(responseLostRate: 1, times: 1), for: .capturePayment)
            _ = try? await api.onFreshConnection { try await $0.capture("fault-0001", 100, key: "naive-1") }
            #expect(try await api.capture("fault-0001", 100, key: "naive-2").status == 200)
            #expect(simulator.payment(reference: "fault-0001")?.aggregate.captured == 600)
        }
    }

    @Test func connectionResetHappensBeforeAnyEffect() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("fault-0002", value: 1000)
            simulator.setFault(FaultRule(connectionResetRate: 1, times: 1), for: .capturePayment)
            await #expect(throws: HTTPClientError.self) {
                try await api.onFreshConnection { try await $0.capture("fault-0002", 400) }
            }
            #expect(simulator.payment(reference: "fault-0002")?.aggregate.captured == 0)
            #expect(try await api.capture("fault-0002", 400).status == 200, "times: 1 affects only the next request")
        }
    }

    @Test func serverErrorChangesNothing() async throws {
        try await withTestSimulator { simulator, api throws in
            simulator.setFault(FaultRule(serverErrorRate: 1, times: 1), for: .createPayment)
            let failed = try await api.create("fault-0003")
            #expect(failed.status == 500)
            #expect(failed.body.traceId != nil)
            #expect(simulator.payment(reference: "fault-0003") == nil)
            #expect(try await api.create("fault-0003").status == 201)
        }
    }

    @Test func tooManyRequestsCarriesRetryAfter() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("fault-0004").status == 201)
            simulator.setFault(FaultRule(tooManyRequestsRate: 1, retryAfterSeconds: 7, times: 2), for: .getPayment)
            let throttled = try await api.get("fault-0004")
            #expect(throttled.status == 429)
            #expect(throttled.response.headers["Retry-After"] == "7")
            #expect(try await api.get("fault-0004").status == 429)
            #expect(try await api.get("fault-0004").status == 200)
        }
    }

    @Test func latencyIsAdded() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("fault-0005").status == 201)
            simulator.setFault(FaultRule(latencyMilliseconds: 300), for: .getPayment)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await api.get("fault-0005").status == 200)
            #expect(clock.now - start >= .milliseconds(300))
            // Only a lower bound is asserted: an upper bound on a busy CI machine would be flaky.
            simulator.clearFaults()
            #expect(simulator.faults.rule(for: .getPayment) == nil)
        }
    }

    @Test func faultsAreSetAtRunTimeThroughTheControlEndpoint() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("fault-0006", value: 1000)
            let set = try await api.send(.put, "/_sim/faults/refundPayment", body: #"{"serverErrorRate": 1, "times": 1}"#)
            #expect(set.status == 200)
            #expect(simulator.faults.rule(for: .refundPayment)?.serverErrorRate == 1)
            #expect(try await api.refund("fault-0006", 1).status == 500)
            let invalid = try await api.send(.put, "/_sim/faults/refundPayment", body: #"{"serverErrorRate": 2}"#)
            #expect(invalid.status == 400)
            let wildcard = try await api.send(.put, "/_sim/faults", body: #"{"rules": {"*": {"serverErrorRate": 1}}}"#)
            #expect(wildcard.status == 200)
            #expect(try await api.get("fault-0006").status == 500)
            #expect(try await api.send(.delete, "/_sim/faults").status == 200)
            #expect(try await api.get("fault-0006").status == 200)
        }
    }

    @Test func commandLineFaultSpecifications() throws {
        let (operation, rule) = try FaultConfiguration.parse("capturePayment:lost=0.5,latency=200,429=0.1,retry-after=3,times=2")
        #expect(operation == .capturePayment)
        #expect(rule == FaultRule(latencyMilliseconds: 200, tooManyRequestsRate: 0.1, retryAfterSeconds: 3, responseLostRate: 0.5, times: 2))
        #expect(try FaultConfiguration.parse("*:5xx=1").0 == nil)
        #expect(throws: SimulatorError.self) { try FaultConfiguration.parse("capture:lost=1") }
        #expect(throws: SimulatorError.self) { try FaultConfiguration.parse("capturePayment:lost=2") }
        #expect(throws: SimulatorError.self) { try FaultConfiguration.parse("capturePayment:explode=1") }
    }

    @Test func probabilisticFaultsFollowTheSeed() async throws {
        var configuration = SimulatorConfiguration(rateLimitsEnabled: false, seed: 42)
        configuration.faults = FaultConfiguration(rules: [.getPayment: FaultRule(serverErrorRate: 0.5)])
        func statuses() async throws -> [Int] {
            try await withTestSimulator(configuration) { _, api throws in
                #expect(try await api.create("fault-0007").status == 201)
                var statuses: [Int] = []
                for _ in 0..<20 { statuses.append(try await api.get("fault-0007").status) }
                return statuses
            }
        }
        let first = try await statuses()
        #expect(first.contains(500) && first.contains(200))
        #expect(try await statuses() == first, "the same seed draws the same faults")
    }
}
