import EvflowTestSupport
import Foundation
import Testing

/// The built `evflow` refuses settings that would send money traffic or station callbacks unsigned, unencrypted or
/// with credentials in a URL, and prints a hostile instance id so it cannot forge terminal output.
struct HostileSettingsCommandTests {
    static let flows = CLITestBed.repository.appending(path: "flows")

    /// `evflow run --once` on an empty state folder with `extra` settings: it only reads the environment.
    func run(_ extra: [String: String], simulator: String = "http://127.0.0.1:9") async throws -> CommandResult {
        let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var evflow = Evflow(stateDirectory: folder, flowsDirectory: Self.flows, simulatorURL: simulator)
        evflow.extraEnvironment = extra
        return try await evflow("run", "--once")
    }

    @Test func aStationURLWithoutASecretIsAStartUpError() async throws {
        let result = try await run(["EVFLOW_STATION_URL": "http://127.0.0.1:9/events"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("EVFLOW_STATION_SECRET"), "\(result)")
        let signed = try await run(["EVFLOW_STATION_URL": "http://127.0.0.1:9/events", "EVFLOW_STATION_SECRET": "station-secret"])
        #expect(signed.status == 0, "\(signed)")
    }

    @Test func plainHTTPToAStationOffLoopbackIsRefused() async throws {
        let result = try await run(["EVFLOW_STATION_URL": "http://station.example.com/events", "EVFLOW_STATION_SECRET": "station-secret"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("EVFLOW_STATION_URL") && result.stderr.contains("https"), "\(result)")
        for loopback in ["http://localhost:9/events", "http://[::1]:9/events", "http://127.8.9.10:9/events"] {
            let allowed = try await run(["EVFLOW_STATION_URL": loopback, "EVFLOW_STATION_SECRET": "station-secret"])
            #expect(allowed.status == 0, "\(loopback): \(allowed)")
        }
    }

    @Test func plainHTTPToThePaymentProviderOffLoopbackIsRefused() async throws {
        let result = try await run([:], simulator: "http://example.com")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("EPAYMENT_BASE_URL") && result.stderr.contains("https"), "\(result)")
        #expect(try await run([:], simulator: "http://127.0.0.1:9").status == 0)
    }

    @Test func credentialsInASettingsURLAreRefusedWithoutBeingPrinted() async throws {
        let station = try await run(["EVFLOW_STATION_URL": "https://evuser:hunter2pw@station.example.com/events", "EVFLOW_STATION_SECRET": "station-secret"])
        #expect(station.status == 2, "\(station)")
        #expect(station.stderr.contains("EVFLOW_STATION_URL") && station.stderr.contains("credentials"), "\(station)")
        let provider = try await run([:], simulator: "https://evuser:hunter2pw@apitest.vipps.no")
        #expect(provider.status == 2, "\(provider)")
        #expect(provider.stderr.contains("EPAYMENT_BASE_URL") && provider.stderr.contains("credentials"), "\(provider)")
        for result in [station, provider] {
            #expect(!result.stderr.contains("hunter2pw") && !result.stdout.contains("hunter2pw"), "\(result)")
            #expect(!result.stderr.contains("evuser") && !result.stdout.contains("evuser"), "\(result)")
        }
    }

    @Test func aHostileInstanceIDIsPrintedEscaped() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let evflow = Evflow(stateDirectory: folder, flowsDirectory: Self.flows, simulatorURL: nil)
        let hostile = "x\u{1b}[2J\r\nstarted fake-id \"ok\" \u{202e}" + String(repeating: "A", count: 500)
        for result in [try await evflow("start", "ev-charging", "--id", hostile), try await evflow("show", hostile)] {
            #expect(result.status != 0, "\(result)")
            let output = result.stdout + result.stderr
            #expect(!output.contains("\u{1b}") && !output.contains("\r") && !output.contains("\u{202e}"), "\(result)")
            #expect(!output.contains("\nstarted fake-id"), "a hostile id forged a line: \(result)")
            #expect(output.contains(#"\u{1B}"#), "\(result)")
            #expect(!output.contains(String(repeating: "A", count: 200)), "the id is not truncated: \(result)")
        }
    }
}
