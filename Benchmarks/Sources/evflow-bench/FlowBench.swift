import CurlHTTP
import Foundation

/// `evflow-bench flow`: the EV flow end to end against the simulator at 1, 16 and 256 concurrent sessions,
/// beside the fsync floor (the flow's fsyncs and HTTP calls alone), the HTTP floor (its HTTP calls alone, no
/// durability) and the DBOS peer, all measured in one run.
///
/// Order of work: start `epayment-sim`; measure the floor's unit costs; a short calibration run of evflow
/// counts the flow's durable writes and fsyncs (the floor's per-flow work); then, per round and level,
/// evflow, the floor and DBOS each run one closed loop, in an order that alternates between rounds so none
/// always runs first on a warm (or hot) machine. Medians over rounds are reported and merged into
/// `results/latest.json` under `floor.*` and `flow.*`.
enum FlowBench {
    static func run(_ arguments: [String]) async throws {
        let options = try FlowBenchOptions.parse(arguments)
        let loadAtStart = loadAverage()
        let repository = FlowDBOSPeer.benchmarksDirectory.deletingLastPathComponent()
        // State on the repository's disk (not a tmpfs), so fsyncs cost what they cost a deployment here.
        let stateRoot = FlowDBOSPeer.benchmarksDirectory.appendingPathComponent(".build/flow-bench")
        try FileManager.default.createDirectory(at: stateRoot, withIntermediateDirectories: true)
        let spread = spreadSubdirectories(stateRoot.path)

        var peerProblem: String?
        if options.peers { peerProblem = FlowDBOSPeer.unavailableReason() } else { peerProblem = "skipped (--no-peers)" }
        if options.peers, let peerProblem { log("DBOS peer skipped: \(peerProblem)") }

        let simulator = try FlowSimulatorProcess(executable: options.simulator ?? FlowSimulatorProcess.defaultExecutable())
        defer { simulator.stop() }
        log("epayment-sim pid \(simulator.pid) on \(simulator.baseURL); state under \(stateRoot.path) (\(diskDescription(stateRoot.path)))")

        var configuration = HTTPClient.Configuration()
        let connections = max(256, options.levels.max() ?? 1)
        configuration.maximumConnectionsPerHost = connections
        configuration.maximumIdleConnections = connections
        let measurements = try await withHTTPClient(configuration: configuration) { http in
            try await measure(options, simulator: simulator, http: http, repository: repository, stateRoot: stateRoot,
                              peersAvailable: options.peers && peerProblem == nil)
        }
        guard let measurements else { return }  // --profile

        let report = FlowReport(
            options: options, measurements: measurements, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAverage(),
            disk: diskDescription(stateRoot.path) + "; journal: \(journal(of: stateRoot.path)); state folders spread over block groups: \(spread ? "yes (chattr +T)" : "no")",
            stateDirectory: stateRoot.path, peerProblem: peerProblem,
            swiftVersion: swiftVersion(), revision: revision(of: repository))
        print(report.table())
        if let output = options.output {
            try ResultsFile.merge(report.figures, into: output)
            print("results merged into \(output)")
        }
    }

    /// Everything measured; `nil` for a `--profile` run, which only keeps evflow busy.
    private static func measure(
        _ options: FlowBenchOptions, simulator: FlowSimulatorProcess, http: HTTPClient, repository: URL, stateRoot: URL,
        peersAvailable: Bool
    ) async throws -> FlowMeasurements? {
        let session = try FlowSession(
            flowsDirectory: repository.appendingPathComponent("flows"), baseURL: simulator.baseURL, http: http,
            stateRoot: stateRoot, maximumConcurrency: options.engineConcurrency)
        if let seconds = options.profileSeconds {
            let level = options.levels[0]
            log("profiling: evflow alone at \(level) concurrent sessions for \(seconds) s (pid \(getpid()))")
            let result = try await session.measure(concurrency: level, warmup: .seconds(1), window: .seconds(seconds))
            log("evflow \(level): \(summary(result.load)), \(format(result.durableWritesPerFlow)) writes, \(format(result.fsyncsPerFlow)) fsyncs per flow")
            return nil
        }

        var results = FlowMeasurements()
        let floorDirectory = stateRoot.appendingPathComponent("floor-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: floorDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: floorDirectory) }
        let request = try await FloorRequest.prepare(baseURL: simulator.baseURL, http: http)

        // The flow's durable work, counted by the store, sizes the floor's writes and its per-flow work. A level
        // uses what evflow did at that level once measured (at 1 session an instance parks before its signals
        // arrive and saves more often than at 16), this calibration run until then.
        let calibration = try await session.measure(concurrency: 16, warmup: .milliseconds(500), window: .seconds(1))
        results.instanceFileBytes = calibration.instanceFileBytes
        let write = FloorWrite(directory: floorDirectory.path, size: calibration.instanceFileBytes ?? FloorWrite.typicalBytes)
        func work(writes: Double, fsyncs: Double) -> Floor.Work {
            let whole = Int(writes.rounded())
            return Floor.Work(writes: whole, extraFsyncs: max(0, Int((fsyncs - 2 * Double(whole)).rounded())),
                              httpCalls: FlowMeasurements.httpCallsPerFlow)
        }
        let calibrated = work(writes: calibration.durableWritesPerFlow, fsyncs: calibration.fsyncsPerFlow)
        log("calibration: \(format(calibration.durableWritesPerFlow)) durable writes, \(format(calibration.fsyncsPerFlow)) fsyncs per flow; instance files ~\(calibration.instanceFileBytes ?? 0) bytes; floor flow = \(calibrated)")

        results.costs = try await Floor.costs(write: write, request: request, samples: options.floorSamples)
        log(String(format: "floor: durable write %.3f ms (p99 %.3f), HTTP round trip %.3f ms (p99 %.3f), median of %d",
                   results.costs!.fsyncWriteMilliseconds, results.costs!.fsyncWriteP99Milliseconds,
                   results.costs!.httpRoundTripMilliseconds, results.costs!.httpRoundTripP99Milliseconds, options.floorSamples))

        let peer = FlowDBOSPeer(
            baseURL: simulator.baseURL, stateDirectory: stateRoot, pollInterval: options.dbosPollInterval,
            journalMode: options.dbosJournalMode)
        for round in 1...options.rounds {
            for level in options.levels {
                var engines: [FlowMeasurements.Engine] = [.evflow, .floor, .httpFloor] + (options.floorOnPool ? [.floorPool] : [])
                    + (peersAvailable ? [.dbos] : [])
                if round % 2 == 0 { engines.reverse() }
                for engine in engines {
                    let load = loadAverage()
                    switch engine {
                    case .evflow:
                        let result = try await session.measure(concurrency: level, warmup: options.warmup, window: options.window)
                        results.add(result.load, engine: engine)
                        results.evflowWork[level, default: []].append((result.durableWritesPerFlow, result.fsyncsPerFlow))
                        log("round \(round) evflow \(level): \(summary(result.load)); \(format(result.durableWritesPerFlow)) writes, \(format(result.fsyncsPerFlow)) fsyncs per flow; load \(format(load))")
                    case .floor, .floorPool:
                        let work = results.evflowWork[level]?.first.map { work(writes: $0.writes, fsyncs: $0.fsyncs) } ?? calibrated
                        results.floorWork[level] = work
                        let lanes = engine == .floor ? FloorLanes(count: level) : nil
                        // A fresh folder per run, like evflow's state folder (see spreadSubdirectories).
                        let folder = stateRoot.appendingPathComponent("floor-\(level)-\(UInt32.random(in: 0...UInt32.max))")
                        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                        defer { try? FileManager.default.removeItem(at: folder) }
                        let write = FloorWrite(directory: folder.path, size: write.bytes.count)
                        let result = try await Floor.run(work: work, write: write, request: request, lanes: lanes,
                                                         concurrency: level, warmup: options.warmup, window: options.window)
                        results.add(result, engine: engine)
                        log("round \(round) \(engine == .floor ? "floor " : "floor on pool") \(level): \(summary(result)); \(work); load \(format(load))")
                    case .httpFloor:
                        // The same HTTP calls, closed loop and concurrency, with no write or fsync at all.
                        let work = Floor.Work(writes: 0, extraFsyncs: 0, httpCalls: FlowMeasurements.httpCallsPerFlow)
                        let write = FloorWrite(directory: floorDirectory.path, size: 1)
                        let result = try await Floor.run(work: work, write: write, request: request, lanes: nil,
                                                         concurrency: level, warmup: options.warmup, window: options.window)
                        results.add(result, engine: engine)
                        log("round \(round) http floor \(level): \(summary(result)); \(work); load \(format(load))")
                    case .dbos:
                        let result = try await peer.measure(concurrency: level, warmup: options.warmup, window: options.window)
                        results.add(result.load, engine: engine)
                        results.dbosVersion = result.version
                        log("round \(round) dbos   \(level): \(summary(result.load)); load \(format(load))")
                    }
                }
            }
        }
        return results
    }

    /// The checked-out commit, with "+dirty" when the working tree has changes: the benchmark measures the
    /// working tree as it is, and a shared checkout often has someone's edits in it.
    static func revision(of repository: URL) -> String {
        func git(_ arguments: [String]) -> String? {
            let process = Process()
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", repository.path] + arguments
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return process.terminationStatus == 0 ? text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
        guard let commit = git(["rev-parse", "--short=12", "HEAD"]) else { return "unknown" }
        let dirty = git(["status", "--porcelain", "--untracked-files=no", "--", "Sources"]).map { !$0.isEmpty } ?? false
        return commit + (dirty ? "+dirty (uncommitted changes under Sources/)" : "")
    }

    /// Marks `directory` as a top of a directory hierarchy (`chattr +T`), so that ext4 places each new state
    /// folder in a block group of its own rather than next to the previous one. Why: on an ext4 without a
    /// journal (as this VM's disk is), creating a file scans past every inode of its block group deleted in the
    /// last 60 s (300 s more while the inode table is dirty; `recently_deleted` in fs/ext4/ialloc.c), and every
    /// durable write frees one. Without spreading, each measurement would pay for the deletions of the one
    /// before it, and the order of the engines would decide the results. Best effort: `false` if chattr fails.
    static func spreadSubdirectories(_ directory: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["chattr", "+T", directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Whether the ext4 file system holding `path` has a journal, from /sys/fs/ext4/<device>/journal_task
    /// ("<none>" without one); "unknown" elsewhere.
    static func journal(of path: String) -> String {
        let source = diskDescription(path).split(separator: " ").first.map(String.init) ?? ""
        let device = source.split(separator: "/").last.map(String.init) ?? ""
        guard !device.isEmpty,
              let task = try? String(contentsOfFile: "/sys/fs/ext4/\(device)/journal_task", encoding: .utf8) else { return "unknown" }
        return task.trimmingCharacters(in: .whitespacesAndNewlines) == "<none>" ? "none" : "yes"
    }

    /// The device and file system holding `path`, from `df` (for the meta keys: fsync cost is per disk).
    static func diskDescription(_ path: String) -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["df", "--output=source,fstype,target", path]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown" }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = text.split(separator: "\n").dropFirst().first.map { $0.split(separator: " ").joined(separator: " ") }
        return line ?? "unknown"
    }

    static func summary(_ result: FlowLoad.Result) -> String {
        String(format: "%8.1f flows/s  p50 %.1f ms  p99 %.1f ms  (%d in %.1f s, %d total, drain %.1f s)",
               result.perSecond, result.p50Milliseconds ?? .nan, result.p99Milliseconds ?? .nan, result.measured,
               result.seconds, result.total, result.drainSeconds)
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "n/a" }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}
