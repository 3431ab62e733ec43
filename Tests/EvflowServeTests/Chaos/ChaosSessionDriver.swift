import CurlHTTP
import EPaymentSimulator
import Foundation

/// Plays one session as the station backend and the customer would: starts it over serve's API, approves or
/// rejects the payment in the simulator's "app", sends the meter readings and `sessionEnded` with stable signal
/// ids, and waits until the instance finishes. Every API call is repeated until it gets an answer, because the
/// server is killed under it: starts are idempotent by id and signals dedupe by signal id.
///
/// When the campaign's operator has moved the session (``ChaosOperator``: a cancel, a retry), the driver
/// accepts that the session went elsewhere: the customer can no longer approve, or the instance has finished
/// before its signals; it still waits for the instance to finish.
///
/// With several servers (`make chaos-pg`) every call goes to the next one in turn, and a call that gets no answer
/// is sent to the next: a session is started on one node, signalled on another and read on a third.
///
/// One driver per session, used by one task only.
final class ChaosSessionDriver {
    /// A campaign failure with the session and call it concerns.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// How a session ended, as the API last reported it.
    struct Outcome: Sendable {
        var plan: ChaosSessionPlan
        var status: String
        var step: String?
        var failureCode: String?
        var captured: Int64?
        var held: Int64?
        var seconds: Double
        /// When the driver saw the instance finished; the verdict judges operator commands started later as
        /// commands on a finished session.
        var finishedAt: ContinuousClock.Instant?
        /// API calls that got no answer or a 5xx and were sent again.
        var retriedCalls: Int
        /// Signals repeated after an unanswered attempt that the server acknowledged as duplicates.
        var duplicateSignals: Int
        /// Set when the driver gave up: the session never finished, or a call never got an answer.
        var problem: String?
    }

    let plan: ChaosSessionPlan
    let http: HTTPClient
    /// Every server's base URL; calls rotate over them.
    let baseURLs: [String]
    let token: String
    let simulator: Simulator
    let deadline: ContinuousClock.Instant
    /// Whether the operator has (perhaps) moved this session off its plan.
    let touched: @Sendable () -> Bool

    private var retries = 0
    /// Calls sent so far, attempts included: the next goes to `baseURLs[(plan.index + sent) % count]`.
    private var sent = 0
    private var duplicateSignals = 0

    init(plan: ChaosSessionPlan, http: HTTPClient, baseURLs: [String], token: String, simulator: Simulator, deadline: ContinuousClock.Instant,
         touched: @escaping @Sendable () -> Bool = { false }) {
        self.touched = touched
        self.plan = plan
        self.http = http
        precondition(!baseURLs.isEmpty, "a driver needs a server")
        self.baseURLs = baseURLs
        self.token = token
        self.simulator = simulator
        self.deadline = deadline
    }

    func run() async -> Outcome {
        let started = ContinuousClock.now
        var outcome = Outcome(plan: plan, status: "unknown", seconds: 0, retriedCalls: 0, duplicateSignals: 0)
        do {
            let start = try await call(.post, "/v1/flows/ev-charging/instances", json: plan.startBody, what: "start")
            guard start.status == 201 || start.status == 200 else {
                throw Failure("\(plan.id): start answered \(start.status): \(start.text)")
            }
            try await actAsCustomer()
            if plan.customerApproves {
                _ = try await waitFor("step meter (charging started)") { $0.step == "meter" || Self.isFinished($0) }
                var open = true
                for (number, energy) in plan.readings.enumerated() where open {
                    try await Task.sleep(for: .milliseconds(plan.pauses[number]))
                    open = try await signal("meterReading", id: "\(plan.id)-r\(number)", energyWh: energy)
                }
                if open {
                    try await Task.sleep(for: .milliseconds(plan.pauses[plan.readings.count]))
                    _ = try await signal("sessionEnded", id: "\(plan.id)-end", energyWh: plan.finalEnergyWh)
                }
            }
            let last = try await waitFor("a finished status", every: .seconds(1)) { Self.isFinished($0) }
            outcome.finishedAt = ContinuousClock.now
            outcome.status = last.status
            outcome.step = last.step
            outcome.failureCode = last.failure?.code
            outcome.captured = last.payment.map { Int64($0.captured) }
            outcome.held = last.payment.map { Int64($0.held) }
        } catch {
            outcome.problem = "\(error)"
        }
        outcome.seconds = (ContinuousClock.now - started).secondsValue
        outcome.retriedCalls = retries
        outcome.duplicateSignals = duplicateSignals
        return outcome
    }

    static func isFinished(_ instance: APIInstance) -> Bool {
        instance.status == "succeeded" || instance.status == "failed"
    }

    /// The customer acts in the app once the payment exists (the flow creates it, perhaps only after a restart).
    private func actAsCustomer() async throws {
        while ContinuousClock.now < deadline {
            do {
                if plan.customerApproves {
                    try simulator.approve(reference: plan.reference)
                } else {
                    try simulator.reject(reference: plan.reference)
                }
                return
            } catch {
                // Only "no such payment yet" is worth waiting for; a payment that stopped awaiting the customer
                // (expired, cancelled) means the flow went somewhere the campaign did not plan.
                if "\(error)".hasPrefix("the customer cannot") {
                    if touched() { return }
                    throw Failure("\(plan.id): \(error)")
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure("\(plan.id): payment \(plan.reference) was never created before the session deadline")
    }

    /// Sends one signal until it is answered.
    /// - Returns: `false` when the instance has already finished, so later signals are pointless.
    private func signal(_ name: String, id: String, energyWh: Int64) async throws -> Bool {
        let body = #"{"signalId": "\#(id)", "data": {"energyWh": \#(energyWh)}}"#
        let reply = try await call(.post, "/v1/instances/\(plan.id)/signals/\(name)", json: body, what: "signal \(id)")
        if reply.status == 202 {
            let receipt = try? JSONDecoder().decode(SignalReceipt.self, from: Data(reply.body))
            if receipt?.accepted == false { duplicateSignals += 1 }
            return true
        }
        if reply.status == 409, reply.text.contains(#""code":"finished""#) {
            // A capped session ends at the reading that reaches the reservation; later signals find it finished.
            // Any other session finishes only after its `sessionEnded`, and a repeat of a signal the instance
            // already used (stored before a kill lost the answer) is a duplicate, 202 `accepted: false`.
            if plan.kind == .capped || touched() { return false }
        }
        throw Failure("\(plan.id): signal \(id) answered \(reply.status) after \(reply.unansweredAttempts) unanswered attempts: \(reply.text)")
    }

    private func waitFor(_ what: String, every interval: Duration = .milliseconds(300),
                         _ condition: (APIInstance) -> Bool) async throws -> APIInstance {
        var last: APIInstance?
        // Not EvflowTestSupport.waitFor: running out of time here is a campaign verdict (a Failure in the session's
        // outcome, with the session's own deadline), not a failed expectation of this test.
        while ContinuousClock.now < deadline {
            let reply = try await call(.get, "/v1/instances/\(plan.id)", json: nil, what: "read")
            if reply.status == 200, let instance = try? JSONDecoder().decode(APIInstance.self, from: Data(reply.body)) {
                last = instance
                if condition(instance) { return instance }
            }
            try await Task.sleep(for: interval)
        }
        throw Failure("\(plan.id) (\(plan.kind.rawValue)) never reached \(what) before the session deadline; last seen: status \(last?.status ?? "?") step \(last?.step ?? "?") wakeAt \(last?.wakeAt ?? "-") payment \(last?.payment.map { "\($0)" } ?? "-") failure \(last?.failure.map { "\($0)" } ?? "-")")
    }

    struct Reply {
        var status: Int
        var body: [UInt8]
        /// Earlier attempts of the same call that got no answer (or a 5xx): they may have taken effect.
        var unansweredAttempts: Int
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends until the server answers with anything but a 5xx: it may be down, restarting or killed mid-call.
    private func call(_ method: HTTPMethod, _ path: String, json: String?, what: String) async throws -> Reply {
        var headers = HTTPHeaders([("Authorization", "Bearer \(token)")])
        if json != nil { headers.add(name: "Content-Type", value: "application/json") }
        var lastProblem = "no attempt"
        var unanswered = 0
        while ContinuousClock.now < deadline {
            let baseURL = baseURLs[(plan.index + sent) % baseURLs.count]
            sent += 1
            do {
                let response = try await http.execute(HTTPRequest(method: method, url: baseURL + path, headers: headers,
                                                                  body: json.map { Array($0.utf8) }, timeout: .seconds(20)))
                if response.status < 500 { return Reply(status: response.status, body: response.body, unansweredAttempts: unanswered) }
                lastProblem = "HTTP \(response.status): \(String(decoding: response.body, as: UTF8.self))"
            } catch {
                lastProblem = "\(error)"
            }
            retries += 1
            unanswered += 1
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure("\(plan.id): \(what) (\(method) \(path)) got no answer before the session deadline; last: \(lastProblem)")
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
