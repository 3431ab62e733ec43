import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// 1,000 charging sessions started, metered and completed at once over HTTP; prints sessions per second and the
/// process's peak memory (the test process holds the server, the simulator and the station stub).
@Suite(.serialized)
struct ConcurrentSessionsTests {
    static let sessions = 1000
    static let clientConcurrency = 48

    @Test(.timeLimit(.minutes(5)))
    func thousandConcurrentSessions() async throws {
        try await withServeFixture(webhooks: true, autoApproveAfter: .milliseconds(200), poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                let ids = (1...Self.sessions).map { String(format: "load-%04d", $0) }
                let clock = ContinuousClock()
                let started = clock.now
                try await Self.forEach(ids) { id in
                    let reply = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody(id))
                    #expect(reply.status == 201, "\(id): \(reply.text)")
                }
                let startedAll = clock.now - started
                try await Self.waitUntil(fixture, "every session charging") { $0.filter { $0.step == "meter" }.count == Self.sessions }
                let authorizedAll = clock.now - started
                try await Self.forEach(ids) { id in
                    let reply = try await fixture.call(.post, "/v1/instances/\(id)/signals/sessionEnded",
                                                       json: #"{"signalId": "end", "data": {"energyWh": 18750}}"#)
                    #expect(reply.status == 202, "\(id): \(reply.text)")
                }
                try await Self.waitUntil(fixture, "every session succeeded") { $0.filter { $0.status == "succeeded" }.count == Self.sessions }
                let elapsed = clock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = Double(Self.sessions) / seconds
                print(String(format: "1000-session test: %d sessions in %.2f s = %.1f sessions/s (all started %.2f s, all authorized %.2f s); peak RSS (VmHWM) %@",
                             Self.sessions, seconds, rate, startedAll.seconds, authorizedAll.seconds, Self.peakMemory()))

                let ledger = fixture.simulator.ledger()
                #expect(ledger.payments.count == Self.sessions)
                #expect(ledger.payments.allSatisfy { $0.aggregate.captured == 7971 && $0.aggregate.cancelled == 50_000 - 7971 })
                #expect(ledger.payments.allSatisfy { $0.events(named: "CAPTURED").count == 1 })
                let delivered = fixture.simulator.webhookDeliveries().filter { $0.delivered && $0.eventName == "AUTHORIZED" }.count
                print("1000-session test: \(delivered) AUTHORIZED webhooks acknowledged")
            }
        }
    }

    /// Runs `body` for every id, `clientConcurrency` at a time.
    static func forEach(_ ids: [String], _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = ids.makeIterator()
            for _ in 0..<clientConcurrency {
                if let id = iterator.next() { group.addTask { try await body(id) } }
            }
            while try await group.next() != nil {
                if let id = iterator.next() { group.addTask { try await body(id) } }
            }
        }
    }

    static func waitUntil(_ fixture: ServeFixture, _ what: String, timeout: Duration = .seconds(120),
                          _ condition: ([APIInstanceList.Row]) -> Bool) async throws {
        var last: [APIInstanceList.Row] = []
        let byState = { Dictionary(grouping: last) { "\($0.status)/\($0.step ?? "-")" }.mapValues(\.count).description }
        try await EvflowTestSupport.waitUntil(what, timeout: timeout, pollingEvery: .milliseconds(250), lastSeen: byState) {
            last = try await fixture.call(.get, "/v1/instances?flow=ev-charging").decode(APIInstanceList.self).instances
            return condition(last)
        }
    }

    /// `VmHWM` from /proc/self/status: the peak resident set size of this process.
    static func peakMemory() -> String {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        return line.map { $0.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
