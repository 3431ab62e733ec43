import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// `show` prints the provider's capture deadline and `list --status stuck` flags a payment still holding money
    /// within 48 hours of it; `EVFLOW_CAPTURE_WINDOWS` changes the windows per deployment.
    @Suite("capture deadlines in show and list")
    struct CaptureDeadlineCommandTests {
        @Test func showPrintsTheDeadlineAndStuckFlagsItWithTheDeploymentsWindow() async throws {
            try await CLITestBed.with { bed in
                try await bed.startCharging("dl-1")
                struct Shown: Decodable { var captureDeadline: String? }
                let shown = try await bed.evflow("show", "dl-1", "--json").decode(Shown.self)
                let deadline = try #require(shown.captureDeadline.flatMap { ISO8601DateFormatter().date(from: $0) })
                let days = deadline.timeIntervalSinceNow / 86_400
                #expect(days > 179.9 && days <= 180, "NOK: 180 days from the authorization, got \(days)")
                let text = try await bed.evflow("show", "dl-1")
                #expect(text.stdout.contains("capture deadline "), "\(text.stdout)")
                #expect(text.stdout.contains("(in 179d23h"), "\(text.stdout)")

                // 180 days away: not near.
                let quiet = try await bed.evflow("list", "--status", "stuck")
                #expect(!quiet.stdout.contains("dl-1"), "\(quiet)")

                var tight = bed.evflow
                tight.extraEnvironment["EVFLOW_CAPTURE_WINDOWS"] = "NOK=1d"
                let stuck = try await tight("list", "--status", "stuck")
                #expect(stuck.status == 0, "\(stuck)")
                #expect(stuck.stdout.contains("dl-1"), "\(stuck)")
                #expect(stuck.stdout.contains("still holds 500.00 NOK and its capture deadline is"), "\(stuck)")
                let tightShow = try await tight("show", "dl-1")
                #expect(tightShow.stdout.contains("STUCK    payment"), "\(tightShow.stdout)")

                tight.extraEnvironment["EVFLOW_CAPTURE_WINDOWS"] = "NOK=soon"
                let bad = try await tight("list", "--status", "stuck")
                #expect(bad.status == 2, "\(bad)")
                #expect(bad.stderr.contains("EVFLOW_CAPTURE_WINDOWS"), "\(bad)")
            }
        }
    }
}
