import CurlHTTP
import EPayment
import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation
import Logging
import Synchronization
import Testing

/// The edges of an embedding backend's calls: a start says whether it created the instance, a wait for the end
/// gives up when its task is cancelled, and a session is cancelled through the public API.
@Suite("Embedding lifetime")
struct EmbeddingLifetimeTests {
    @Test(.timeLimit(.minutes(1))) func finishedThrowsCancellationErrorAsSoonAsItsTaskIsCancelled() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows) { bed in
            // No worker runs it: the instance never finishes, so only cancellation can end the wait.
            try bed.runner.start(flow: "ev-charging", id: "wait-cancelled", inputs: EVChargingFlowTests.inputs())
            let runner = bed.runner
            let waiting = Task { try await runner.finished("wait-cancelled") }
            try await Task.sleep(for: .milliseconds(200))  // registered as a waiter by now
            let clock = ContinuousClock()
            let cancelledAt = clock.now
            waiting.cancel()
            let outcome = await Self.outcome(of: waiting, within: .seconds(5))
            #expect(clock.now - cancelledAt < .seconds(2), "finished() returned \(clock.now - cancelledAt) after its task was cancelled")
            #expect(outcome == "CancellationError", "finished() ended with \(outcome)")

            // Cancelled before it is even called: it throws at once too, and no waiter is left behind.
            let early = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await runner.finished("wait-cancelled")
            }
            #expect(await Self.outcome(of: early, within: .seconds(5)) == "CancellationError")
            #expect(try bed.runner.instance("wait-cancelled").status == .running, "the instance itself is untouched")
        }
    }

    /// How `task` ended within `limit`: `finished`, the error's type, or `still waiting`. Never waits longer, even
    /// when the task never ends (a task group would wait for its child awaiting it).
    static func outcome(of task: Task<FlowInstance, any Error>, within limit: Duration) async -> String {
        let ended = Mutex<String?>(nil)
        Task {
            let result = await task.result
            ended.withLock { ended in
                switch result {
                case .success: ended = "finished"
                case .failure(let error): ended = "\(type(of: error))"
                }
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while clock.now < deadline {
            if let outcome = ended.withLock({ $0 }) { return outcome }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return "still waiting after \(limit)"
    }

    @Test(.timeLimit(.minutes(1))) func aBackendCancelsASessionThroughThePublicAPI() async throws {
        try await withEmbeddedRunner(simulator: SimulatorConfiguration(autoApproveAfter: .zero, rateLimitsEnabled: false)) { runner, simulator in
            let id = "embedded-cancel"
            let started = try runner.start(flow: "ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
            #expect(started.created)
            #expect(try !runner.start(flow: "ev-charging", id: id, inputs: EVChargingFlowTests.inputs()).created, "a retried start creates nothing")
            try runner.paymentUpdated(instanceID: id, event: "AUTHORIZED", eventID: "\(id)-authorized")
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(20))
            while try runner.instance(id).currentStep != "meter", clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try #require(try runner.instance(id).currentStep == "meter", "the session never got past authorization")

            let cancelled = try await runner.onRunnerThreads { try await runner.cancel(id, reason: "station fault") }
            #expect(cancelled.status == .failed)
            #expect(cancelled.failure?.code == .operatorCancelled)
            #expect(try await runner.finished(id).failure?.code == .operatorCancelled)
            let payment = try #require(simulator.ledger().payment(reference: "ev-\(id)"))
            #expect(payment.aggregate.cancelled == 50_000)
            #expect(payment.aggregate.captured == 0)
        }
    }
}
