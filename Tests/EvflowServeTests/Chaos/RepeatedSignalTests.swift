import CurlHTTP
import Testing

/// A finding of the fault campaign, pinned down: a station whose `sessionEnded` was stored but whose answer was
/// lost (the server was killed in between) sends it again with the same signal id. If the instance has finished
/// meanwhile, the repeat must be acknowledged as a duplicate (202, `accepted: false`), as the API promises for a
/// repeated `signalId`, not refused with 409 "already succeeded; signal sessionEnded ignored": that tells the
/// station its final reading was ignored when it was in fact charged.
@Suite
struct RepeatedSignalTests {
    @Test(.timeLimit(.minutes(2)))
    func repeatOfAnAbsorbedSignalToAFinishedInstanceIsADuplicate() async throws {
        try await withServeFixture(webhooks: true, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                let path = "/v1/instances/repeat-1/signals/sessionEnded"
                let end = #"{"signalId": "end", "data": {"energyWh": 18750}}"#
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("repeat-1")).status == 201)
                try await fixture.waitFor("repeat-1", "authorization") { $0.step == "meter" }
                #expect(try await fixture.call(.post, path, json: end).status == 202)
                let done = try await fixture.waitFor("repeat-1", "success") { $0.status == "succeeded" }
                #expect(done.payment?.captured == 7971, "the reading was used")

                let repeated = try await fixture.call(.post, path, json: end)
                #expect(repeated.status == 202, "\(repeated.text)")
                #expect(try repeated.decode(SignalReceipt.self).accepted == false)
                let other = try await fixture.call(.post, path, json: #"{"signalId": "late", "data": {"energyWh": 20000}}"#)
                #expect(other.status == 409, "a new signal to a finished instance is still refused: \(other.text)")
            }
        }
    }
}
