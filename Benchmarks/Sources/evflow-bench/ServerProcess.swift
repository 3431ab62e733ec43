import Foundation

/// The `bench-server` child process: started before the clients, stopped (by closing its standard input)
/// when the benchmark ends.
///
/// The server runs in its own process rather than in-process so that it does not share the cooperative
/// thread pool, and NIO's event loops, with the clients under test: an in-process NIO server would run on the
/// same singleton event-loop group that AsyncHTTPClient uses, which would favour neither client predictably.
final class ServerProcess {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let port: Int

    var pid: Int32 { process.processIdentifier }

    init(executable: String, bodySize: Int) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--body-size", String(bodySize)]
        process.standardInput = input
        process.standardOutput = output
        try process.run()

        // The server prints "port <n>" once it listens.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("port "), let port = Int(text.dropFirst(5)), port > 0 else {
            process.terminate()
            throw BenchError("bench-server did not report its port (printed \(text.debugDescription))")
        }
        self.port = port
    }

    /// CPU time the server has used so far, in microseconds (from /proc, 10 ms resolution).
    func cpuMicroseconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3, utime 14, stime 15 (1-based).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / ticks * 1e6
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// `bench-server` next to this executable, which is where `swift build` puts it.
    static func defaultExecutable() -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("bench-server").path
    }
}

/// A setup failure with a message for the operator.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
