import EvflowTestSupport
import Foundation
import Testing

extension EvflowCLITests {
    /// `evflow validate` and `evflow graph`, run as the built binary.
    @Suite("evflow validate and graph")
    struct DefinitionCommandTests {
        static let shippedFlows = CLITestBed.repository.appending(path: "flows")

        static func evflow(in folder: URL) -> Evflow {
            Evflow(stateDirectory: folder.appending(path: "state"), flowsDirectory: shippedFlows, simulatorURL: nil)
        }

        static func temporaryFolder() throws -> URL {
            let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return folder
        }

        @Test func validateAcceptsTheShippedFlows() async throws {
            let folder = try Self.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try await Self.evflow(in: folder)("validate")
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("ev-charging v1"))
            #expect(result.stdout.contains("fixed-price v1"))
            #expect(result.stdout.contains("ev-charging-landing-page v1"))
            #expect(result.stdout.contains("ev-charging-qr v1"))
        }

        @Test func validateNamesFileLineColumnPathAndHintOfEveryProblem() async throws {
            let folder = try Self.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let broken = folder.appending(path: "broken.json")
            try """
            {
              "name": "broken",
              "version": 1,
              "steps": [
                { "id": "reserve", "kind": "reserve", "amount": "money(100, 'NOK')", "paymentDescription": "'x charge'",
                  "userFlow": "QR", "next": "capture" },
                { "id": "capture", "kind": "captur", "next": "done" },
                { "id": "done", "kind": "succeed" },
                { "id": "oops", "kind": "fail", "error": "x", "nxt": "done" }
              ]
            }
            """.write(to: broken, atomically: true, encoding: .utf8)
            let result = try await Self.evflow(in: folder)("validate", broken.path)
            #expect(result.status == 2, "\(result)")
            // Every problem, each as file:line:column: JSON path: message (hint: ...).
            #expect(result.stdout.contains("\(broken.path):7:32: $.steps[1].kind: unknown step kind \"captur\""), "\(result)")
            #expect(result.stdout.contains("(hint: did you mean \"capture\"?)"), "\(result)")
            #expect(result.stdout.contains("\(broken.path):9:"), "\(result)")
            #expect(result.stdout.contains("$.steps[3]"), "\(result)")
            #expect(result.stderr.contains("problems in 1 file"))

            let json = try await Self.evflow(in: folder)("validate", broken.path, "--json")
            #expect(json.status == 2)
            struct Report: Decodable {
                struct Problem: Decodable {
                    var line: Int?
                    var jsonPath: String?
                }
                var valid: Bool
                var problems: [Problem]
            }
            let report = try json.decode(Report.self)
            #expect(report.valid == false)
            #expect(report.problems.contains { $0.line == 7 && $0.jsonPath == "$.steps[1].kind" })

            let missing = try await Self.evflow(in: folder)("validate", folder.appending(path: "nope.json").path)
            #expect(missing.status == 3)
            #expect(missing.stderr.contains("no such file or folder"))
        }

        @Test func graphDrawsMermaidAndDot() async throws {
            let folder = try Self.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let evflow = Self.evflow(in: folder)
            let mermaid = try await evflow("graph", "ev-charging")
            #expect(mermaid.status == 0, "\(mermaid)")
            #expect(mermaid.stdout.hasPrefix("flowchart TD"))
            #expect(mermaid.stdout.contains("s_reserve -->|\"next\"| s_authorize"))
            #expect(mermaid.stdout.contains("-.->|\"deadline maxSession\"| s_stopCharging"))

            let dot = try await evflow("graph", Self.shippedFlows.appending(path: "fixed-price.json").path, "--format", "dot")
            #expect(dot.status == 0, "\(dot)")
            #expect(dot.stdout.hasPrefix("digraph \"fixed-price\" {"))
            #expect(dot.stdout.contains("\"reserve\" -> \"authorize\" [label=\"next\"];"))

            let unknown = try await evflow("graph", "no-such-flow")
            #expect(unknown.status == 3)
            #expect(unknown.stderr.contains("known flows: ev-charging"))
            let badFormat = try await evflow("graph", "ev-charging", "--format", "png")
            #expect(badFormat.status == 2)
        }
    }
}

extension EvflowCLITests {
    /// Every operator command explains itself, with examples, and bad usage exits 2.
    @Suite("evflow help")
    struct HelpTests {
        @Test(arguments: ["validate", "start", "signal", "meter-values", "run", "list", "show", "resume", "retry", "cancel", "reconcile", "graph"])
        func helpHasExamples(command: String) async throws {
            let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-cli-\(UUID().uuidString)")
            let evflow = Evflow(stateDirectory: folder, flowsDirectory: folder, simulatorURL: nil)
            let help = try await evflow.run([command, "--help"])
            #expect(help.status == 0, "\(help)")
            #expect(help.stdout.contains("Examples:"), "\(command) --help has no examples")
            #expect(help.stdout.contains("evflow \(command)"))
            let wrong = try await evflow.run([command, "--no-such-option"])
            #expect(wrong.status == 2, "\(wrong)")
        }
    }
}
