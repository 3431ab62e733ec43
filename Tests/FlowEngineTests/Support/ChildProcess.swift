import Foundation

/// Runs the built `evflow` binary as a child process, the way an operator or a supervisor would.
struct ChildProcess {
    struct Result {
        var status: Int32
        var killedBySignal: Bool
        var output: String
    }

    /// The `evflow` executable built next to this test bundle (`make test` builds it with the tests).
    static func evflowBinary() throws -> URL {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("evflow"),
            root.appendingPathComponent(".build/debug/evflow"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates.map(\.path).joined(separator: ", ")])
        }
        return found
    }

    /// Runs `executable` with `arguments`, killing it after `timeout`; output (stdout and stderr) goes through a file
    /// so a chatty child never blocks on a full pipe.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String], timeout: Duration = .seconds(60)) async throws -> Result {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-child-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.yield(); exited.continuation.finish() }
        try process.run()
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask { for await _ in exited.stream { return true }; return true }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !finished {
            process.terminate()
            process.waitUntilExit()
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, killedBySignal: process.terminationReason == .uncaughtSignal,
                      output: finished ? output : output + "\n[timed out after \(timeout)]")
    }
}
