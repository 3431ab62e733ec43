import ArgumentParser
import FlowEngine
import Foundation
import Logging

/// `evflow run`: the worker.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the worker: execute due steps, timers and signals until stopped.",
        discussion: """
            On start the worker picks up every unfinished instance in the state folder (after a crash, an \
            interrupted payment call is confirmed with the provider and retried with the same idempotency key). \
            It then runs what is due, sleeping until the next timer, and checks the inbox for signals written by \
            other processes every --poll-interval. Several workers may share a state folder: a per-instance \
            lock lets one run an instance at a time.

            Ctrl-C or SIGTERM stops taking new work; steps in flight finish or park durably, then the worker \
            exits with 0. It prints one line whenever an instance parks or finishes (--quiet: none).

            Examples:
              evflow run
              evflow run --once                 # process what is due now, then exit (cron, scripts)
              evflow run --exit-when-done       # run until every instance has finished
              evflow run --dry-run              # print the side effect each due instance would cause
              EVFLOW_STATE_DIR=/var/lib/evflow evflow run --log-level info
            """)

    @OptionGroup var options: RunnerOptions

    @Flag(help: "Process what is due now, then exit.")
    var once = false

    @Flag(help: "Print nothing on stdout.")
    var quiet = false

    @Flag(name: .customLong("exit-when-done"), help: "Exit with 0 once every instance in the state folder has finished (batch jobs, tests).")
    var exitWhenDone = false

    @Flag(name: .customLong("dry-run"), help: "Print the next side effect of every instance that is due now; run nothing.")
    var dryRun = false

    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("How often to look for signals from other processes, in milliseconds.", valueName: "ms"))
    var pollInterval: Int = 200

    func validate() throws {
        guard (10...60_000).contains(pollInterval) else { throw ValidationError("--poll-interval must be 10 to 60000 milliseconds") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        if dryRun { return try await printDueSideEffects(logger: logger) }
        let shutdown = ShutdownSignal()
        try await RunnerEnvironment.with(options, requiring: .init(payments: true, definitions: false), logger: logger) { environment in
            let runner = environment.runner
            let found = try runner.recover()
            logger.info("worker started", metadata: ["unfinished": "\(found)", "store": "\(environment.runtime.location)"])
            for (id, problem) in runner.unrunnable.sorted(by: { $0.key < $1.key }) {
                Output.note("cannot run \(id): \(problem)")
            }
            var reporter = ProgressLines(quiet: quiet)
            var unsaved = 0
            func reportUnsaved() {
                for error in runner.takeUnsavedOutcomes() {
                    unsaved += 1
                    Output.note("\(error)")
                }
            }
            defer { if unsaved > 0 { Output.note("\(unsaved) payment outcome(s) could not be saved; they are confirmed with the provider on the next run") } }
            if once {
                for _ in 0..<1000 where await runner.runDue() > 0 {
                    reporter.report(environment.observer.drain())
                    reportUnsaved()
                    if shutdown.isRequested { break }
                    if let next = runner.nextWake, next > Date() { break }
                }
                reporter.report(environment.observer.drain())
                reportUnsaved()
                if unsaved > 0 { throw ExitCode(CommandFailure.Status.state.rawValue) }
                return
            }
            while !shutdown.isRequested {
                await runner.runDue()
                reporter.report(environment.observer.drain())
                reportUnsaved()
                if shutdown.isRequested || (exitWhenDone && runner.scheduledCount == 0) { break }
                var pause = Double(pollInterval) / 1000
                if let next = runner.nextWake { pause = min(pause, max(0, next.timeIntervalSinceNow)) }
                if pause > 0 { try? await Task.sleep(for: .milliseconds(Int64(pause * 1000))) }
            }
            logger.notice("worker stopped", metadata: ["signal": "\(shutdown.signalNumber.map(String.init) ?? "-")"])
            if unsaved > 0 { throw ExitCode(CommandFailure.Status.state.rawValue) }
        }
    }
}

extension RunCommand {
    /// `--dry-run`: one line per instance a worker would run now, with the side effect it would cause.
    func printDueSideEffects(logger: Logger) async throws {
        try await RunnerEnvironment.with(options, requiring: .init(payments: false, definitions: false), logger: logger) { environment in
            let inspector = environment.inspector
            let due = try inspector.dueInstances(at: Date())
            if due.isEmpty { Output.note("nothing is due") }
            for id in due {
                print("\(id): next \((try? environment.runner.nextSideEffect(id)) ?? "unknown (the pinned definition cannot be loaded)")")
            }
        }
    }
}

/// One stdout line per instance that parked or finished, printed once per change of status or step.
struct ProgressLines {
    let quiet: Bool
    private var last: [String: String] = [:]

    init(quiet: Bool) { self.quiet = quiet }

    mutating func report(_ instances: [FlowInstance]) {
        for instance in instances where instance.status != .running {
            let key = "\(instance.status)/\(instance.currentStep ?? "-")"
            guard last[instance.id] != key else { continue }
            last[instance.id] = key
            if !quiet { Output.line(InstanceSummary(instance).runLine) }
        }
    }
}
