import CurlHTTP
import EPaymentSimulator
import Testing

/// The documented per-reference rate limits (facts section 11).
@Suite("Rate limits")
struct RateLimitTests {
    @Test func theSixthModificationInAMinuteIsRefused() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("limit-0001", value: 1000)  // create: 1
            for _ in 0..<4 { #expect(try await api.capture("limit-0001", 10).status == 200) }  // 2...5
            let refused = try await api.capture("limit-0001", 10)
            #expect(refused.status == 429)
            #expect(Int(refused.response.headers["Retry-After"] ?? "") ?? 0 >= 1)
            #expect(simulator.payment(reference: "limit-0001")?.aggregate.captured == 40)
            try simulator.advanceClock(by: .seconds(60))
            #expect(try await api.capture("limit-0001", 10).status == 200, "the window slides on the simulator clock")
        }
    }

    @Test func readsAreLimitedTo120PerMinute() async throws {
        try await withTestSimulator { _, api throws in
            #expect(try await api.create("limit-0002").status == 201)
            var statuses: [Int] = []
            for index in 0..<121 {
                statuses.append(try await (index.isMultiple(of: 2) ? api.get("limit-0002") : api.events("limit-0002")).status)
            }
            #expect(statuses.prefix(120).allSatisfy { $0 == 200 })
            #expect(statuses.last == 429)
        }
    }

    @Test func limitsCanBeSwitchedOff() async throws {
        try await withTestSimulator(SimulatorConfiguration(rateLimitsEnabled: false)) { simulator, api throws in
            try await api.authorized("limit-0003", value: 1000)
            for _ in 0..<8 { #expect(try await api.capture("limit-0003", 10).status == 200) }
            simulator.setRateLimitsEnabled(true)
            #expect(try await api.send(.put, "/_sim/rate-limits?enabled=false").status == 200)
            #expect(!simulator.rateLimitsEnabled)
        }
    }
}
