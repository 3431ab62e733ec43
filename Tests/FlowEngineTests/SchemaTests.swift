import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// Keeps `flows/schema.json` (what editors validate and complete) in step with what the loader accepts.
struct SchemaTests {
    static func schema() throws -> JSONNode {
        try JSONParser.parse(String(contentsOf: DefinitionFixtures.flowsDirectory.appendingPathComponent("schema.json"), encoding: .utf8))
    }

    static func keys(_ node: JSONNode?) -> Set<String> {
        guard case .object(let members)? = node?.kind else { return [] }
        return Set(members.map(\.key))
    }

    @Test func schemaDeclaresDraft2020AndEveryStepKind() throws {
        let schema = try Self.schema()
        #expect(schema["$schema"]?.kind == .string("https://json-schema.org/draft/2020-12/schema"))
        let defs = schema["$defs"]
        let kinds = Set(StepKind.names)
        #expect(Self.keys(defs).filter { $0.hasPrefix("step_") } == Set(kinds.map { "step_" + $0 }))
        #expect(Self.keys(schema["properties"]) == Set(DefinitionDecoder.topLevelFields))
    }

    /// For every step kind, the schema allows exactly the fields the loader allows and requires the same ones.
    @Test(arguments: StepKind.names)
    func schemaMatchesTheLoaderForStepKind(_ kind: String) throws {
        let definition = try #require(try Self.schema()["$defs"]?["step_\(kind)"])
        let loaderFields = try #require(DefinitionDecoder.kindFields[kind])
        let allowedByLoader = Set(["id", "kind", "description"] + loaderFields.allowed + Self.commonFields(kind))
        #expect(Self.keys(definition["properties"]) == allowedByLoader)
        guard case .array(let required)? = definition["required"]?.kind else { Issue.record("no required list"); return }
        let requiredBySchema = Set(required.compactMap { node -> String? in if case .string(let name) = node.kind { name } else { nil } })
        #expect(requiredBySchema == Set(["id", "kind"] + loaderFields.required))
        #expect(definition["additionalProperties"]?.kind == .bool(false))
    }

    /// Common fields the loader accepts per kind, found by probing it: a field is accepted when it is not
    /// reported as unknown.
    static func commonFields(_ kind: String) -> [String] {
        ["retry", "timeout", "onTimeout", "onFailure"].filter { field in
            let text = "{ \"name\": \"x\", \"version\": 1, \"steps\": [{ \"id\": \"a\", \"kind\": \"\(kind)\", \"\(field)\": 1 }] }"
            var issues: [DefinitionIssue] = []
            do { _ = try FlowDefinitionLoader().load(text: text, file: "probe.json") } catch let error as DefinitionValidationError { issues = error.issues } catch {}
            return !issues.contains { $0.message.contains("unknown field \"\(field)\"") }
        }
    }

    static let jsonschemaAvailable: Bool = {
        let probe = try? ChildProcess.runBlocking(URL(filePath: "/usr/bin/env"), ["python3", "-c", "import jsonschema"])
        return probe?.status == 0
    }()

    static func runChecker(_ arguments: [String]) async throws -> ChildProcess.Output {
        try await ChildProcess.run(URL(filePath: "/usr/bin/env"),
                                   ["python3", Repository.path("scripts/check-flow-schema.py").path] + arguments)
    }

    @Test(.enabled(if: jsonschemaAvailable, "needs python3 with the jsonschema package"))
    func shippedFlowsMatchTheSchema() async throws {
        let result = try await Self.runChecker([DefinitionFixtures.flowsDirectory.path])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.components(separatedBy: ": ok").count - 1 == 5, "\(result)")
    }

    @Test(.enabled(if: jsonschemaAvailable, "needs python3 with the jsonschema package"))
    func schemaRejectsAnUnknownField() async throws {
        let folder = try TemporaryFolder.make("evflow-schema")
        defer { TemporaryFolder.remove(folder) }
        let file = folder.appending(path: "bad.json")
        let text = DefinitionFixtures.paymentFlow().replacingOccurrences(of: "\"kind\": \"cancel\"", with: "\"kind\": \"cancel\", \"amount\": \"1\"")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try await Self.runChecker([file.path])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("$.steps[3]"), "\(result)")
    }
}
