import Foundation

/// `evflow-bench scenarios`: `evflow test` on 1,000 generated flow-test scenarios of 10-hour virtual charging
/// sessions (`tests.scenarios_1000_s`).
///
/// Each scenario (see ``ScenarioSession``) sends a meter reading every 10 virtual minutes and ends the session
/// at 10 h, with varied tariffs, reservations, approval delays, idle sessions, cost caps, duplicate and low
/// readings and failing captures; its expected capture and release are computed independently. The figure is
/// the wall time of the release `evflow test` over the folder, which must report every scenario passed.
enum ScenarioBench {
    struct Options {
        var count = 1_000
        var rounds = 1
        var jobs: Int? = nil
        var seed: UInt64 = 42
        var output: String? = BenchOptions.defaultOutput
        var evflow: String? = nil

        static let usage = """
        usage: evflow-bench scenarios [options]
          --count N        scenarios (default 1000)
          --rounds N       runs of `evflow test`; the median is reported (default 1)
          --jobs N         passed to `evflow test --jobs` (default: evflow's own default)
          --seed N         generator seed (default 42)
          --evflow PATH    the evflow binary (default: next to evflow-bench, i.e. the release build)
          --output PATH    JSON file to merge results into (default Benchmarks/results/latest.json)
          --no-output      print only
          --quick          50 scenarios (smoke run, keyed tests.scenarios_50_s)
        """

        static func parse(_ arguments: [String]) throws -> Options {
            var options = Options()
            var arguments = BenchArguments(arguments, usage: usage)
            while let argument = arguments.next() {
                switch argument {
                case "--count": options.count = try arguments.number(argument)
                case "--rounds": options.rounds = try arguments.number(argument)
                case "--jobs": options.jobs = try arguments.number(argument)
                case "--seed": options.seed = UInt64(try arguments.number(argument))
                case "--evflow": options.evflow = try arguments.text(argument, noun: "path")
                case "--output": options.output = try arguments.text(argument, noun: "path")
                case "--no-output": options.output = nil
                case "--quick": options.count = 50
                case "--help", "-h": throw BenchError(usage)
                default: throw BenchError("unknown option \(argument)\n\(usage)")
                }
            }
            return options
        }
    }

    static func run(_ arguments: [String]) async throws {
        let options = try Options.parse(arguments)
        let tools = try ScaleTools(evflow: options.evflow, simulator: nil, needsSimulator: false)
        let loadAtStart = loadAverage()
        let folder = tools.workDirectory.deletingLastPathComponent().appendingPathComponent("scenarios/seed-\(options.seed)-\(options.count)")
        let sessions = try generate(options, into: folder)
        let capped = sessions.filter { $0.outcome.cappedEarly }.count
        let idle = sessions.filter { $0.outcome.captured == 0 }.count
        let faulty = sessions.filter { $0.captureFault != .none }.count
        ScaleBench.log("generated \(options.count) scenarios in \(folder.path): \(capped) reach the reservation early, \(idle) deliver nothing, \(faulty) with a failing first capture")

        var arguments = ["test", folder.path, "--flows-dir", tools.flows]
        if let jobs = options.jobs { arguments += ["--jobs", String(jobs)] }
        var times: [Double] = []
        for round in 1...options.rounds {
            let result = try ScaleProcess.run(tools.evflow, arguments)
            let text = String(decoding: result.output, as: UTF8.self) + result.errors
            let expected = "\(options.count) passed, 0 failed"
            guard result.status == 0, text.contains(expected) else {
                let failures = text.split(separator: "\n").filter { $0.hasPrefix("✘") }.prefix(10).joined(separator: "\n")
                throw BenchError("evflow \(arguments.joined(separator: " ")) exited with \(result.status), not \"\(expected)\":\n\(failures)\n\(text.suffix(2000))")
            }
            times.append(result.seconds)
            ScaleBench.log("round \(round): evflow test, \(options.count) scenarios: \(ScaleBench.format(result.seconds)) s, all passed (load \(ScaleBench.format(loadAverage() ?? -1)))")
        }
        let seconds = ScaleBench.median(times)
        let key = "tests.scenarios_\(options.count)_s"
        print("evflow-bench scenarios: release evflow \(tools.evflow)")
        print("load average (1m) at start: \(ScaleBench.format(loadAtStart ?? -1))")
        print("evflow test, \(options.count) scenarios of 10 h virtual: \(ScaleBench.format(seconds)) s (\(String(format: "%.1f", seconds / Double(options.count) * 1000)) ms per scenario; jobs \(options.jobs.map(String.init) ?? "default"))")
        if let output = options.output {
            try ResultsFile.merge([
                key: seconds, "tests.meta.load_average_1m_at_start": loadAtStart ?? -1, "tests.meta.jobs": options.jobs ?? 0,
                "tests.meta.scenarios": options.count,
            ], into: output)
            print("results merged into \(output)")
        }
    }

    /// Writes the scenario files afresh (cheap: well under a second for 1,000).
    private static func generate(_ options: Options, into folder: URL) throws -> [ScenarioSession] {
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var random = ScenarioRandom(seed: options.seed)
        var sessions: [ScenarioSession] = []
        for index in 0..<options.count {
            let session = ScenarioSession.generate(index: index, random: &random)
            let data = try JSONSerialization.data(withJSONObject: session.json(), options: [.prettyPrinted, .sortedKeys])
            try data.write(to: folder.appendingPathComponent("\(session.name).json"))
            sessions.append(session)
        }
        return sessions
    }
}
