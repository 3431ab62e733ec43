import Foundation

/// The release `epayment-sim` as a child process, shared by evflow, the floor and DBOS so that all three pay
/// the same HTTP costs.
///
/// It runs with `--auto-approve-ms 0`, so a payment is AUTHORIZED by the time either engine first looks (both
/// then make the same calls: token, create, get, capture, cancel), and with `--no-rate-limits`: the flows
/// never reach the per-reference limits, but the floor reads one payment thousands of times a minute.
final class FlowSimulatorProcess {
    private let process = Process()
    private let output = Pipe()
    let baseURL: String

    var pid: Int32 { process.processIdentifier }

    init(executable: String) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError("""
                no epayment-sim at \(executable); build it with
                  swift build -c release --package-path Benchmarks --product epayment-sim
                """)
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "0", "--auto-approve-ms", "0", "--no-rate-limits", "--log-level", "warning"]
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()

        // It prints "epayment-sim listening on <url>" once it accepts connections.
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("\n"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        guard let range = line.range(of: "listening on ") else {
            process.terminate()
            throw BenchError("epayment-sim did not report its URL (printed \(text.debugDescription))")
        }
        baseURL = String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
    }

    /// CPU time the simulator has used so far, in seconds (from /proc, 10 ms resolution).
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// `epayment-sim` next to this executable, where `swift build --product epayment-sim` puts it.
    static func defaultExecutable() -> String {
        URL(fileURLWithPath: ServerProcess.defaultExecutable()).deletingLastPathComponent()
            .appendingPathComponent("epayment-sim").path
    }
}
