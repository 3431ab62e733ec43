import EPaymentSimulator
import Synchronization

/// Arms the simulator's faults for the campaign: a steady rate of 5xx and 429 (with Retry-After) on every
/// operation, and, every fraction of a second, a burst on one operation: a lost response (applied, then the
/// connection closed), a connection reset, or latency beyond the server's HTTP timeout.
///
/// Bursts affect two requests (`times: 2`) because libcurl silently resends once on a reused keep-alive
/// connection that died; the second request is the one the engine sees fail. Rates stay moderate so the steps'
/// durable retry policies (the only retry layer: the server's client makes one attempt per call) absorb them:
/// the campaign proves correctness, not exhaustion.
final class ChaosFaultInjector: Sendable {
    enum Burst: String, CaseIterable, Sendable {
        case lost, reset, timeout
    }

    /// How long an armed burst waits for its requests before it is dropped.
    static let burstWindow: Duration = .seconds(1)

    /// The steady rule for every operation without a burst armed.
    static let steady = FaultRule(serverErrorRate: 0.03, tooManyRequestsRate: 0.02, retryAfterSeconds: 1)

    let simulator: Simulator
    let timeoutLatencyMilliseconds: Int
    private let armed = Mutex<[String: Int]>([:])
    private let stopped = Atomic<Bool>(false)

    init(simulator: Simulator, serverHTTPTimeoutSeconds: Double) {
        self.simulator = simulator
        timeoutLatencyMilliseconds = Int(serverHTTPTimeoutSeconds * 1000) + 1500
    }

    /// Bursts that reached at least one request (after ``stop()``; armed ones while running), by kind and operation ("lost capturePayment": 12).
    var bursts: [String: Int] { armed.withLock { $0 } }

    /// Ends the campaign's chaos: ``run(random:interval:)`` clears every fault and returns, the killer stops.
    func stop() { stopped.store(true, ordering: .relaxed) }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Arms faults until ``stop()``; every burst is drawn from `random`, so a seed replays the same sequence of
    /// bursts (their timing against the sessions varies with scheduling).
    ///
    /// A burst lasts at most ``burstWindow``: what no request reached by then is dropped (and not counted). Left
    /// armed, it would wait for the next request of that operation however long that takes, so once only a few
    /// sessions are left (the campaign's tail) nearly every call of theirs hit a burst: a fault rate set by how
    /// rarely a session calls rather than by the campaign. A client that retried within the call outran the
    /// re-arming; durable step retries, seconds apart, did not (issue 14, one retry layer).
    func run(random seeded: ChaosRandom, interval: ClosedRange<Double>) async {
        var random = seeded
        var pending: [String: (burst: Burst, armedAt: ContinuousClock.Instant)] = [:]
        simulator.setFault(Self.steady, for: nil)
        while !isStopped {
            try? await Task.sleep(for: random.seconds(in: interval))
            let now = ContinuousClock.now
            for (operation, armed) in pending where now - armed.armedAt > Self.burstWindow {
                if let rule = simulator.faults.rules[operation] {
                    if rule.times == 2 { self.armed.withLock { $0["\(armed.burst.rawValue) \(operation)", default: 1] -= 1 } }
                    simulator.setFault(nil, for: SimulatedOperation(rawValue: operation))
                }
                pending[operation] = nil
            }
            let burst = random.pick([(Burst.lost, 4), (.reset, 3), (.timeout, 3)])
            let operation = random.pick([(SimulatedOperation.createPayment, 2), (.capturePayment, 3), (.cancelPayment, 3),
                                         (.getPayment, 1), (.getPaymentEventLog, 1)])
            // A burst still waiting for its requests is left alone, so every count below is a burst that can fire.
            guard simulator.faults.rules[operation.rawValue] == nil else { continue }
            let rule = switch burst {
            case .lost: FaultRule(responseLostRate: 1, times: 2)
            case .reset: FaultRule(connectionResetRate: 1, times: 2)
            case .timeout: FaultRule(latencyMilliseconds: timeoutLatencyMilliseconds, times: 2)
            }
            simulator.setFault(rule, for: operation)
            armed.withLock { $0["\(burst.rawValue) \(operation.rawValue)", default: 0] += 1 }
            pending[operation.rawValue] = (burst, ContinuousClock.now)
        }
        // Bursts no request reached are not counted as injected.
        for (operation, armed) in pending where simulator.faults.rules[operation]?.times == 2 {
            self.armed.withLock { $0["\(armed.burst.rawValue) \(operation)", default: 1] -= 1 }
        }
        simulator.clearFaults()
    }
}
