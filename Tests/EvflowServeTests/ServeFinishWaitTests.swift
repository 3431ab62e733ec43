import CurlHTTP
import EvflowTestSupport
import Foundation
import Testing

/// `GET /v1/instances/{id}?wait=finished`: the read is answered once the session has finished (its receipt),
/// or with the instance as it is when `waitSeconds` passes first.
@Suite(.serialized)
struct ServeFinishWaitTests {
    /// On the state folder and, with a test cluster, on PostgreSQL (where the wait also reads the instance again
    /// every second, since another worker may run it).
    @Test(arguments: ServeStoreKind.all)
    func aReadWaitingForTheEndAnswersOnceTheSessionFinished(store: ServeStoreKind) async throws {
        try await withServeFixture(webhooks: true, poll: #"{ "firstAfter": "1s", "every": "1s" }"#, store: store) { fixture in
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("fw-1"))
                #expect(created.status == 201, "\(created.text)")
                try await fixture.waitFor("fw-1", timeout: .seconds(60), "authorization") { $0.step == "meter" }
                let clock = ContinuousClock()
                let asked = clock.now
                async let waited = fixture.call(.get, "/v1/instances/fw-1?wait=finished&waitSeconds=25")
                try await Task.sleep(for: .milliseconds(700))
                let end = try await fixture.call(.post, "/v1/instances/fw-1/signals/sessionEnded",
                                                 json: #"{"signalId": "end", "data": {"energyWh": 18750}}"#)
                #expect(end.status == 202, "\(end.text)")
                let answer = try await waited
                let took = clock.now - asked
                #expect(answer.status == 200, "\(answer.text)")
                let instance = try answer.decode(APIInstance.self)
                #expect(instance.status == "succeeded", "answered before the end: \(answer.text)")
                #expect(instance.payment?.captured == Int(ServeSessionTests.expectedCapture))
                #expect(took >= .milliseconds(700) && took < .seconds(20), "held until the end, not until the bound: \(took)")

                // A finished instance is answered at once.
                let again = try await fixture.call(.get, "/v1/instances/fw-1?wait=finished")
                #expect(try again.decode(APIInstance.self).status == "succeeded")
            }
        }
    }

    @Test func aBoundThatPassesFirstAnswersWithTheInstanceAsItIs() async throws {
        try await withServeFixture(webhooks: true, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                _ = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("fw-2"))
                try await fixture.waitFor("fw-2", timeout: .seconds(60), "authorization") { $0.step == "meter" }
                let clock = ContinuousClock()
                let asked = clock.now
                let answer = try await fixture.call(.get, "/v1/instances/fw-2?wait=finished&waitSeconds=1")
                let took = clock.now - asked
                #expect(answer.status == 200, "\(answer.text)")
                #expect(try answer.decode(APIInstance.self).status == "waiting")
                #expect(took >= .seconds(1) && took < .seconds(10), "\(took)")
            }
        }
    }

    @Test func aWaitThatIsNotUnderstoodIsABadRequestNamingTheParameter() async throws {
        try await withServeFixture(webhooks: false) { fixture in
            try await fixture.withServer {
                _ = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("fw-3"))
                let unknown = try await fixture.call(.get, "/v1/instances/fw-3?wait=payment")
                #expect(unknown.status == 400)
                #expect(try unknown.problem().detail.contains("'wait' must be \"finished\""))
                let tooLong = try await fixture.call(.get, "/v1/instances/fw-3?wait=finished&waitSeconds=600")
                #expect(tooLong.status == 400)
                #expect(try tooLong.problem().detail.contains("'waitSeconds' must be an integer from 1 to 30"))
                let alone = try await fixture.call(.get, "/v1/instances/fw-3?waitSeconds=5")
                #expect(alone.status == 400)
                #expect(try alone.problem().detail.contains("needs 'wait=finished'"))
                let missing = try await fixture.call(.get, "/v1/instances/no-such-session?wait=finished&waitSeconds=5")
                #expect(missing.status == 404, "\(missing.text)")
            }
        }
    }
}
