import Foundation
import Testing

/// `evflow test` and `evflow demo` as users run them: the built binary, its output and its exit code.
@Suite("evflow test and demo (built binary)")
struct EvflowTestAndDemoCommandTests {
    static var flows: URL { ScenarioRunnerTests.flows }

    @Test func testCommandFailsOnABrokenScenarioAndSaysWhy() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ScenarioRunnerTests.brokenScenario().write(to: folder.appending(path: "ev-broken.json"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: Self.flows.appending(path: "tests/fixed-price-capture-in-full.json"),
                                         to: folder.appending(path: "fixed-price.json"))
        let run = try EvflowBinary.run(["test", folder.path, "--flows-dir", Self.flows.path])
        #expect(run.status == 1, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let broken = try #require(lines.first { $0.hasPrefix("✘ ev-broken") })
        #expect(broken.contains("captured: expected 5427 (54.27 NOK), actual 5426 (54.26 NOK)"))
        #expect(broken.contains("steps: expected [reserve,"))
        #expect(lines.contains { $0.hasPrefix("✔ fixed-price-capture-in-full") })
        #expect(lines.last == "1 passed, 1 failed")

        let filtered = try EvflowBinary.run(["test", folder.path, "--flows-dir", Self.flows.path, "--filter", "fixed", "--json"])
        #expect(filtered.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [String: Any])
        #expect(report["passed"] as? Int == 1 && report["failed"] as? Int == 0)
    }

    @Test func testCommandRejectsAMalformedScenarioWithExitCode2() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appending(path: "bad.json")
        try #"{ "name": "bad", "flow": "ev-charging", "expect": { "status": "done" } }"#.write(to: file, atomically: true, encoding: .utf8)
        let run = try EvflowBinary.run(["test", file.path, "--flows-dir", Self.flows.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.json:1:63: $.expect.status: unknown status \"done\""))
        #expect(run.stderr.contains("bad.json:1:1: $.input: input 'pricePerKWh' (money) is required"))
        #expect(run.stderr.contains("3 problems in 1 flow-test file"))  // status, phoneNumber, pricePerKWh
        #expect(run.stdout.isEmpty)
    }

    @Test func demoRunsOneSessionAndShowsTheMoney() throws {
        let state = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: state) }
        let run = try EvflowBinary.run(["demo", "--flows-dir", Self.flows.path, "--state-dir", state.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("reserved   500.00 NOK"))
        #expect(run.stdout.contains("captured    79.71 NOK"))
        #expect(run.stdout.contains("released   420.29 NOK"))
        #expect(run.stdout.contains("provider          CAPTURED    79.71 NOK"))
        #expect(run.stdout.contains("Ledger verdict: ✔ captured exactly once"))
        let instances = try FileManager.default.contentsOfDirectory(atPath: state.appending(path: "instances").path)
        #expect(instances.contains { $0.hasPrefix("demo-") && $0.hasSuffix(".json") })
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// The `evflow` executable SwiftPM built next to the test bundle (`swift build --build-tests` builds it).
enum EvflowBinary {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var url: URL {
        get throws {
            let candidates = [
                URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "evflow"),
                ScenarioRunnerTests.repository.appending(path: ".build/debug/evflow"),
            ]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey:
                    "evflow binary not found at \(candidates.map(\.path)); run `swift build --build-tests` first"])
            }
            return found
        }
    }

    /// Runs the binary to completion, with output captured through files (no pipe can fill up and stall it).
    static func run(_ arguments: [String]) throws -> Run {
        let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appending(path: "stdout"), err = folder.appending(path: "stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try url
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                   stderr: try String(contentsOf: err, encoding: .utf8))
    }
}
