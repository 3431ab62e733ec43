import EvflowTestSupport
import Foundation
import Synchronization

/// The operator of the fault campaign (issue 13): while the sessions run, a person at two terminals types
/// `evflow list --status stuck`, `show`, `resume`, `retry`, `retry --from-step`, `cancel` and `reconcile` on
/// sessions in flight or just finished, with the built CLI on serve's state folder. The commands and their
/// targets come from the seed (``ChaosOperatorAction``); when they land depends on the sessions' progress.
///
/// Refusals (exit 2 nothing to retry, 3 not found, 4 locked, 64 bad usage) are normal and only counted; the
/// verdict stays the ledger's. A command that hangs is SIGKILLed after the time limit, as a person gives up
/// on a terminal with Ctrl-\.
final class ChaosOperator: Sendable {
    /// What one command did.
    struct Record: Sendable, CustomStringConvertible {
        let action: ChaosOperatorAction
        /// The session's instance id, when the command names one.
        let id: String?
        let arguments: [String]
        /// When the command started, since the operator's start.
        let began: Double
        let beganAt: ContinuousClock.Instant
        let seconds: Double
        /// The exit code, or `killed` after the time limit.
        let exit: String
        let output: String

        /// Exits that are refusals: the command changed nothing (the lock was never taken, or the change was
        /// rejected before it was saved). Anything else, a failure (1) or a kill included, may have acted.
        static let refusals: Set<String> = ["2", "3", "4", "64"]

        /// Whether this command may have moved its session off the planned course.
        var mayHaveMoved: Bool { action.command.moves && !Self.refusals.contains(exit) }

        var description: String {
            let firstLine = output.split(separator: "\n").first(where: { !$0.hasPrefix("[") }).map(String.init) ?? ""
            return String(format: "+%.1fs", began) + " #\(action.number) evflow \(arguments.joined(separator: " ")) → exit \(exit)"
                + String(format: " (%.1fs)", seconds) + (firstLine.isEmpty ? "" : ": \(firstLine.prefix(220))")
        }
    }

    let binary: URL
    let environment: [String: String]
    let folders: [String]
    let ids: [String]
    let timeLimit: Duration
    let terminals: Int
    private let began = ContinuousClock.now
    private let finished = Atomic<Int>(0)
    private let started = Atomic<Int>(0)
    /// Commands running now; at most `terminals`.
    private let busy = Mutex<Int>(0)
    private let done = Mutex<[Record]>([])
    /// Moving commands running right now, by instance id.
    private let inFlight = Mutex<[String: Int]>([:])

    /// - Parameters:
    ///   - environment: what `evflow serve` gets (provider, station, HTTP timeout): the CLI makes the same calls.
    ///   - ids: instance ids by plan index.
    ///   - store: the store serve runs on, as the CLI names it (`--state-dir <folder>`, `--store <url>`).
    init(binary: URL, environment: [String: String], store: [String], flowsDirectory: URL, ids: [String],
         timeLimit: Duration, terminals: Int) {
        self.binary = binary
        self.environment = environment
        folders = store + ["--flows-dir", flowsDirectory.path]
        self.ids = ids
        self.timeLimit = timeLimit
        self.terminals = max(1, terminals)
    }

    /// One more session was started (in plan order).
    func sessionStarted() { started.add(1, ordering: .relaxed) }

    /// One more session's driver is done.
    func sessionFinished() { finished.add(1, ordering: .relaxed) }

    /// Sessions whose driver is done so far: the PostgreSQL campaign times its disturbances by it.
    var sessionsFinished: Int { finished.load(ordering: .relaxed) }

    /// Every command so far, in the order they finished.
    var records: [Record] { done.withLock { $0 } }

    /// Runs every action of `plan`, each once enough sessions have finished and its pause has passed, at most
    /// `terminals` at a time (a command due while all are busy waits for one).
    func run(_ plan: [ChaosOperatorAction]) async {
        await withDiscardingTaskGroup { group in
            for action in plan {
                group.addTask { await self.perform(action) }
            }
        }
    }

    private func perform(_ action: ChaosOperatorAction) async {
        while finished.load(ordering: .relaxed) < action.afterFinished { try? await Task.sleep(for: .milliseconds(50)) }
        try? await Task.sleep(for: action.pause)
        // `reconcile --all` runs in a terminal of its own: it takes long and should not hold up the rest.
        let sweep = action.command == .reconcileAll
        while !sweep, !busy.withLock({ busy in
            guard busy < terminals else { return false }
            busy += 1
            return true
        }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        defer { if !sweep { busy.withLock { $0 -= 1 } } }
        let listing = await execute(action)
        guard action.command == .list else { return }
        // The stuck instances listed, then a command on one of them.
        let lines = listing.output.split(separator: "\n", omittingEmptySubsequences: false)
        let json = lines.drop { !$0.hasPrefix("[") }.joined(separator: "\n")
        struct Row: Decodable { var id: String }
        let rows = (try? JSONDecoder().decode([Row].self, from: Data(json.utf8))) ?? []
        let stuck = rows.map(\.id).compactMap { ids.firstIndex(of: $0) }
        guard !stuck.isEmpty, let next = action.followingUp(on: stuck[action.pick % stuck.count]) else { return }
        await execute(next)
    }

    @discardableResult
    private func execute(_ action: ChaosOperatorAction) async -> Record {
        let newest = started.load(ordering: .relaxed) - 1
        let id = action.session.map { ids[$0] } ?? action.behind.map { ids[min(ids.count - 1, max(0, newest - $0))] }
        let arguments = action.arguments(id: id)
        let moving = action.command.moves ? id : nil
        if let moving { inFlight.withLock { $0[moving, default: 0] += 1 } }
        defer { if let moving { inFlight.withLock { $0[moving, default: 1] -= 1 } } }
        let beganAt = ContinuousClock.now
        var exit: String
        var output: String
        do {
            let launched = try ServeBinaryTests.launch(binary, arguments + folders, environment)
            let result = await launched.finish(timeout: timeLimit)
            output = result.output + (result.timedOut ? "\n[did not stop within \(timeLimit)]" : "")
            exit = result.killedBySignal ? "killed" : "\(result.status)"
        } catch {
            exit = "not started"
            output = "\(error)"
        }
        let record = Record(action: action, id: id, arguments: arguments, began: (beganAt - began).secondsValue, beganAt: beganAt,
                            seconds: (ContinuousClock.now - beganAt).secondsValue, exit: exit, output: String(output.prefix(4000)))
        done.withLock { $0.append(record) }
        return record
    }

    /// Commands that may have moved the session `id`, oldest first.
    func moves(of id: String) -> [Record] {
        records.filter { $0.id == id && $0.mayHaveMoved }.sorted { $0.beganAt < $1.beganAt }
    }

    /// Whether a command that may move `id` has been started on it (whatever it did): the driver then accepts
    /// that its session went somewhere the plan did not say.
    func touched(_ id: String) -> Bool {
        running(id) || records.contains { $0.id == id && $0.mayHaveMoved }
    }

    private func running(_ id: String) -> Bool { inFlight.withLock { ($0[id] ?? 0) > 0 } }

    /// Counts by command and exit code, for the summary line: `cancel 0×12 1×3 4×1`.
    var counts: String {
        var table: [String: [String: Int]] = [:]
        for record in records { table[record.action.command.rawValue, default: [:]][record.exit, default: 0] += 1 }
        return table.sorted { $0.key < $1.key }.map { command, exits in
            command + " " + exits.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        }.joined(separator: ", ")
    }

    /// Every command with its whole output, for the kept work folder.
    func writeLog(to file: URL) throws {
        let text = records.sorted { $0.beganAt < $1.beganAt }.map { "=== \($0)\n\($0.output)\n" }.joined()
        try Data(text.utf8).write(to: file)
    }
}
