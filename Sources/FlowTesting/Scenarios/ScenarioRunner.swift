import EPaymentSimulator
import FlowEngine
import Foundation

/// Loads flow-test files and runs them, each on a fresh ``FlowTestBed``: its own simulator on a virtual clock,
/// its own station backend and a store in memory, over real sockets. A 12-hour charging session runs in milliseconds.
///
/// ```swift
/// let runner = try ScenarioRunner(flowsDirectory: URL(filePath: "flows"))
/// let scenarios = try runner.load(paths: [URL(filePath: "flows/tests")])
/// for result in await runner.run(scenarios) where !result.passed {
///     print(result.name, result.failures.map(\.description))
/// }
/// ```
public struct ScenarioRunner: Sendable {
    /// The folder of flow definitions the scenarios run against.
    public let flowsDirectory: URL
    /// The loaded definitions, by flow name.
    public let definitions: [String: FlowDefinition]

    /// Loads and validates the definitions in `flowsDirectory`.
    /// - Throws: ``DefinitionValidationError`` when a definition is invalid.
    public init(flowsDirectory: URL) throws(DefinitionValidationError) {
        self.flowsDirectory = flowsDirectory
        self.definitions = try FlowDefinitionLoader().load(directory: flowsDirectory)
    }

    // MARK: Loading

    /// Reads and checks one scenario file.
    /// - Throws: ``ScenarioFileError`` with every problem in the file.
    public func load(fileAt url: URL) throws(ScenarioFileError) -> FlowScenario {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ScenarioFileError(issues: [.init(file: url.relativePath, jsonPath: "$", line: 1, column: 1,
                                                   message: "cannot read the file: \(error.localizedDescription)")])
        }
        return try load(text: text, file: url.relativePath)
    }

    /// Checks a scenario given as text; `file` names it in problems and results.
    /// - Throws: ``ScenarioFileError`` with every problem found.
    public func load(text: String, file: String) throws(ScenarioFileError) -> FlowScenario {
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw ScenarioFileError(issues: [.init(file: file, jsonPath: "$", line: error.position.line, column: error.position.column,
                                                   message: "invalid JSON: \(error.message)")])
        }
        let decoder = ScenarioDecoder(file: file, definitions: definitions)
        guard let scenario = decoder.decode(root) else { throw ScenarioFileError(issues: decoder.issues) }
        return scenario
    }

    /// Loads scenario files and folders (each folder's `*.json` files except `schema.json`, by name), checking
    /// that scenario names are unique.
    /// - Throws: ``ScenarioFileError`` listing the problems of every file, not only the first bad one.
    public func load(paths: [URL]) throws(ScenarioFileError) -> [FlowScenario] {
        var issues: [ScenarioFileError.Issue] = []
        var scenarios: [FlowScenario] = []
        for file in Self.files(in: paths, issues: &issues) {
            do {
                let scenario = try load(fileAt: file)
                if let other = scenarios.first(where: { $0.name == scenario.name }) {
                    issues.append(.init(file: scenario.file, jsonPath: "$.name", line: 1, column: 1,
                                        message: "scenario name \"\(scenario.name)\" is also used by \(other.file)"))
                } else {
                    scenarios.append(scenario)
                }
            } catch {
                issues += error.issues
            }
        }
        if !issues.isEmpty { throw ScenarioFileError(issues: issues) }
        return scenarios
    }

    static func files(in paths: [URL], issues: inout [ScenarioFileError.Issue]) -> [URL] {
        var files: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
                issues.append(.init(file: path.relativePath, jsonPath: "$", line: 1, column: 1, message: "no such file or folder"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path.path)) ?? []
            files += names.sorted().filter { $0.hasSuffix(".json") && $0 != "schema.json" }.map { path.appendingPathComponent($0) }
        }
        return files
    }

    // MARK: Running

    /// How many scenarios run at once unless told: twice the cores, since a scenario spends part of its time
    /// waiting on its sockets, and at most 16, since each holds two servers, an HTTP client and their descriptors.
    public static var defaultConcurrency: Int { min(16, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs scenarios, at most `maximumConcurrency` at a time (each has its own simulator, station and store, so
    /// they share nothing), and returns their results in the order given.
    /// - Parameter progress: called as each scenario finishes, with the number finished so far.
    public func run(
        _ scenarios: [FlowScenario], maximumConcurrency: Int = defaultConcurrency,
        progress: @escaping @Sendable (_ result: ScenarioResult, _ finished: Int) -> Void = { _, _ in }
    ) async -> [ScenarioResult] {
        var results = [ScenarioResult?](repeating: nil, count: scenarios.count)
        await withTaskGroup(of: (Int, ScenarioResult).self) { group in
            var next = 0
            var finished = 0
            func submit() {
                guard next < scenarios.count else { return }
                let (index, scenario) = (next, scenarios[next])
                group.addTask { (index, await self.run(scenario)) }
                next += 1
            }
            for _ in 0..<max(1, maximumConcurrency) { submit() }
            while let (index, result) = await group.next() {
                results[index] = result
                finished += 1
                progress(result, finished)
                submit()
            }
        }
        return results.compactMap { $0 }
    }

    /// Runs one scenario on a fresh test bed and checks its expectations. Never throws: anything that goes wrong
    /// (the instance cannot start, the simulator cannot listen) is reported as a failure in the result.
    public func run(_ scenario: FlowScenario) async -> ScenarioResult {
        let clock = ContinuousClock()
        let started = clock.now
        var result: ScenarioResult
        do {
            // In memory: the store is thrown away afterwards, and encoding the instance and writing its files were
            // more than half of a long scenario's CPU time.
            let unused = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-test-memory")
            result = try await withFlowTestBed(definitions: definitions, store: .memory(), stateDirectory: unused) { bed in
                await ScenarioExecution(scenario: scenario, bed: bed).run()
            }
        } catch {
            result = ScenarioResult(scenario: scenario)
            result.failures.append(.init(expectation: "run", expected: "the test bed to run", actual: "\(error)"))
        }
        let elapsed = clock.now - started
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return result
    }
}
