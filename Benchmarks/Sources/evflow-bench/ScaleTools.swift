import Foundation

/// The binaries and folders the scale and scenario suites drive, found next to `evflow-bench` unless given.
///
/// They measure the release `evflow` as users run it; the benchmark package cannot call FlowEngine's
/// `package` APIs anyway, since it depends on the root package by path.
struct ScaleTools {
    let evflow: String
    let simulator: String
    /// The repository's `flows/`.
    let flows: String
    /// `Benchmarks/.build/scale`: generated folders, git-ignored, reused between runs.
    let workDirectory: URL

    /// The `Benchmarks` folder, found from this source file (as ``BenchOptions/defaultOutput`` is).
    static let benchmarksDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init(evflow: String?, simulator: String?, needsSimulator: Bool = true) throws {
        let here = URL(fileURLWithPath: ServerProcess.defaultExecutable()).deletingLastPathComponent()
        self.evflow = evflow ?? here.appendingPathComponent("evflow").path
        self.simulator = simulator ?? here.appendingPathComponent("epayment-sim").path
        self.flows = Self.benchmarksDirectory.deletingLastPathComponent().appendingPathComponent("flows").path
        self.workDirectory = Self.benchmarksDirectory.appendingPathComponent(".build/scale")
        var missing = [(self.evflow, "evflow")]
        if needsSimulator { missing.append((self.simulator, "epayment-sim")) }
        for (path, product) in missing where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchError("""
                no \(product) binary at \(path): build it with
                  swift build -c release --package-path Benchmarks --product \(product)
                or pass its path (--evflow / --sim)
                """)
        }
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    }

    /// The environment `evflow` needs to talk to a simulator at `baseURL`. The credentials are dummies: the
    /// simulator accepts any unless configured otherwise.
    static func paymentEnvironment(baseURL: String) -> [String: String] {
        [
            "EPAYMENT_BASE_URL": baseURL, "EPAYMENT_CLIENT_ID": "bench-client", "EPAYMENT_CLIENT_SECRET": "bench-secret",
            "EPAYMENT_SUBSCRIPTION_KEY": "bench-subscription", "EPAYMENT_MSN": "123456",
        ]
    }

    /// Starts `epayment-sim` on a free port; approves every payment at once.
    func startSimulator() throws -> (process: ScaleProcess, baseURL: String) {
        let sim = try ScaleProcess(simulator, ["--port", "0", "--auto-approve-ms", "1"])
        let line = try sim.waitForLine(containing: "epayment-sim listening on ", timeout: .seconds(30))
        guard let range = line.text.range(of: "listening on ") else { throw BenchError("unexpected simulator line \(line.text)") }
        return (sim, String(line.text[range.upperBound...]).trimmingCharacters(in: .whitespaces))
    }
}
