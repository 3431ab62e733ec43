import CurlHTTP
import EvflowServer
import EvflowTestSupport
import FlowEngine
import Foundation
import Testing

/// `/metrics` counts payments still holding money within 48 hours of the provider's capture deadline
/// (`evflow_payments_near_capture_deadline`), kept current by the server's save hook.
@Suite(.serialized)
struct CaptureDeadlineMetricsTests {
    static func gauge(_ fixture: ServeFixture) async throws -> String? {
        let text = try await fixture.call(.get, "/metrics", token: nil).text
        return text.split(separator: "\n").first { $0.hasPrefix("evflow_payments_near_capture_deadline ") }.map(String.init)
    }

    @Test func anAuthorizedSessionInsideTheWarningIsCountedUntilItsMoneyMoves() async throws {
        // A deployment whose NOK payments must be captured within a day: an authorized session is at once within 48 hours.
        let windows = CaptureWindows(byCurrency: ["NOK": .seconds(86_400)])
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer(captureWindows: windows) {
                let text = try await fixture.call(.get, "/metrics", token: nil).text
                #expect(text.contains("# TYPE evflow_payments_near_capture_deadline gauge"), "\(text)")
                #expect(text.contains("# HELP evflow_payments_near_capture_deadline "))
                #expect(try await Self.gauge(fixture) == "evflow_payments_near_capture_deadline 0.0")

                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("d-1")).status == 201)
                try await fixture.waitFor("d-1", "authorization") { $0.step == "meter" }
                #expect(try await Self.gauge(fixture) == "evflow_payments_near_capture_deadline 1.0")
                let stuck = try await fixture.call(.get, "/v1/instances?status=stuck").text
                #expect(stuck.contains("capture deadline"), "\(stuck)")

                try await ServeSessionTests.meterAndEnd(fixture, "d-1")
                #expect(try await Self.gauge(fixture) == "evflow_payments_near_capture_deadline 0.0")
            }
        }
    }
}
