import CurlHTTP
import EvflowTestSupport
import Foundation
import Testing

/// `docs/api.yaml` is a contract the server keeps under fuzzing. schemathesis (from PyPI; `make test-deps`
/// installs the pinned version) generates requests from the spec (its examples, boundary values, random valid
/// and invalid inputs) against the built `evflow serve` and checks every response: no server error, a documented
/// status and content type, documented headers, and a body that matches its schema (so no problem has an empty
/// title). Few examples and a fixed seed keep it well under a minute and reproducible; the seed is printed.
///
/// `EVFLOW_API_FUZZ_SEED=<seed>` reruns another seed, `EVFLOW_API_FUZZ_EXAMPLES=<n>` fuzzes harder.
@Suite(.serialized)
struct APIFuzzTests {
    /// The version `make test-deps` installs (keep the two equal).
    static let schemathesisVersion = "4.32.5"
    static let defaultSeed = 20_261_127
    static let defaultExamples = 10
    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
        "response_schema_conformance",
    ]

    @Test(.timeLimit(.minutes(3)))
    func theServerKeepsItsContractUnderFuzzing() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["EVFLOW_API_FUZZ_SEED"].flatMap(Int.init) ?? Self.defaultSeed
        let examples = environment["EVFLOW_API_FUZZ_EXAMPLES"].flatMap(Int.init) ?? Self.defaultExamples
        print("APIFuzzTests: schemathesis \(Self.schemathesisVersion) against docs/api.yaml, seed \(seed), \(examples) examples per operation; reproduce with EVFLOW_API_FUZZ_SEED=\(seed) swift test --skip-build --filter APIFuzzTests")
        let (python, prefix) = try await Self.pythonWithSchemathesis()
        let binary = try BuiltProduct.evflow.url()
        let spec = Repository.path("docs/api.yaml").path
        // Its own working folder (`env -C`): schemathesis looks for a config file there, and nothing it writes lands
        // in the repository.
        let scratch = try TemporaryFolder.make("evflow-api-fuzz")
        defer { TemporaryFolder.remove(scratch) }
        try await withServeFixture(webhooks: true) { fixture in
            let server = try ServeBinaryTests.launch(binary, ServeBinaryTests.arguments(fixture), ServeBinaryTests.environment(fixture))
            try await ServeBinaryTests.waitUntilHealthy(fixture)
            let arguments = ["-C", scratch.path] + [python] + prefix + [
                "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
                "run", spec, "--url", fixture.baseURL, "--header", "Authorization: Bearer \(ServeFixture.token)",
                "--checks", Self.checks.joined(separator: ","), "--phases", "examples,coverage,fuzzing",
                "--max-examples", "\(examples)", "--seed", "\(seed)", "--workers", "1", "--request-timeout", "20",
                "--generation-database", "none", "--no-color",
            ]
            let fuzz = try await ChildProcess.run(URL(filePath: "/usr/bin/env"), arguments,
                                                  environment: ChildProcess.environment(adding: ["NO_COLOR": "1", "COLUMNS": "160"]),
                                                  mergingStandardError: true, timeout: .seconds(150))
            server.terminate()
            let serverRun = await server.finish(timeout: .seconds(30))
            let report = fuzz.output
            print(report.split(separator: "\n").suffix(12).joined(separator: "\n"))
            #expect(fuzz.status == 0 && !fuzz.timedOut, "schemathesis (seed \(seed)) found contract violations:\n\(report)")
            #expect(report.contains("passed"), "\(report)")
            #expect(serverRun.status == 0 && !serverRun.killedBySignal, "\(serverRun)")
            #expect(!report.contains(ServeFixture.token), "the token reached schemathesis's report")
        }
    }

    /// A Python with the pinned schemathesis: the system's `python3` (`make test-deps` installs it there) or, when
    /// missing, a virtual environment in the temporary folder made once. Returns the executable (for `env`) and its
    /// leading arguments.
    static func pythonWithSchemathesis() async throws -> (String, [String]) {
        let probe = ["-c", "import schemathesis, sys; sys.exit(0 if schemathesis.__version__ == '\(schemathesisVersion)' else 1)"]
        if try await OpenAPIConformanceTests.run("/usr/bin/env", ["python3"] + probe).status == 0 { return ("python3", []) }
        let venv = FileManager.default.temporaryDirectory.appending(path: "evflow-schemathesis-\(schemathesisVersion)-venv")
        let python = venv.appending(path: "bin/python").path
        var usable = FileManager.default.fileExists(atPath: python)
        if usable { usable = try await OpenAPIConformanceTests.run(python, probe).status == 0 }
        if !usable {
            let created = try await OpenAPIConformanceTests.run("/usr/bin/env", ["python3", "-m", "venv", venv.path])
            try #require(created.status == 0, "python3 -m venv failed: \(created.output)")
            let installed = try await OpenAPIConformanceTests.run(python, ["-m", "pip", "install", "--quiet", "schemathesis==\(schemathesisVersion)"])
            try #require(installed.status == 0, "pip install schemathesis failed (make test-deps installs it): \(installed.output)")
        }
        return (python, [])
    }
}
