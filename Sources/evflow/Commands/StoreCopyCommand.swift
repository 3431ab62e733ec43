import ArgumentParser
import FlowEngine
import Foundation

/// `evflow store copy`: moves a deployment's sessions from one store to another without losing one.
struct StoreCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every instance, inbox signal and pinned definition into another store, then verify.",
        discussion: """
            Stop every worker (evflow serve, evflow run) on the source first: the copy is refused while any \
            instance in the source is locked, and each instance is copied under its lock. Instances are copied \
            as the same documents, with the signals waiting in their inboxes and the definitions they are pinned \
            to; then everything is read back from the target and compared with the source.

            Running it again changes nothing: instances the target already has with the same content are skipped. \
            An instance the target has with different content (its worker moved it on, or another deployment \
            used the id) is never overwritten: it is listed as a conflict for an operator to decide. The source \
            is never modified (a file that cannot be read is set aside in its corrupt/ folder, as every command \
            does, and listed as unreadable).

            Progress goes to stderr on a terminal; the summary to stdout (--json for scripts).

            Exit codes: 0 copied and verified (or already there), 1 verification failed, 2 bad usage, \
            4 a worker holds a lock in the source, a store could not be read or written, or conflicts or \
            unreadable instances were left for an operator.

            Examples:
              evflow store copy --from ./state --to postgres://evflow@db.internal:5432/evflow
              evflow store copy --from ./state --to ./state-copy --dry-run
              evflow store copy --from /var/lib/evflow --to /mnt/new/evflow --json
            """)

    @Option(name: .customLong("from"), help: ArgumentHelp("The source: a state folder.", valueName: "location"))
    var from: String

    @Option(name: .customLong("to"), help: ArgumentHelp("The target: a state folder or a postgres:// URL.", valueName: "location"))
    var to: String

    @Flag(name: .customLong("dry-run"), help: "Compare only: say what a copy would write; change nothing.")
    var dryRun = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        _ = logging.bootstrapLogging()
        let source = try StoreLocationArgument.location(from, option: "--from")
        let target = try StoreLocationArgument.location(to, option: "--to")
        guard source.description != target.description else { throw CommandFailure(.usage, "--from and --to name the same store (\(source))") }
        let report: StoreCopyReport
        do throws(StoreCopyError) {
            report = try StoreCopy(from: source, to: target).run(dryRun: dryRun) { done, total, id in
                if done == total || done % 100 == 0 { Output.progress("copy", done, of: total, id) }
            }
        } catch {
            throw CommandFailure(error.code == .mismatch ? .failure : .state, error.description)
        }
        if json { try Output.printJSON(report) } else { print(Self.summary(report)) }
        if !report.isComplete {
            var problems: [String] = []
            if !report.conflicts.isEmpty { problems.append("\(report.conflicts.count) conflicting (not overwritten): \(report.conflicts.joined(separator: ", "))") }
            if !report.unreadable.isEmpty { problems.append("\(report.unreadable.count) unreadable in the source (set aside in its corrupt/ folder, not copied): \(report.unreadable.joined(separator: ", "))") }
            if !report.missingDefinitions.isEmpty { problems.append("pinned definitions missing from the source: \(report.missingDefinitions.joined(separator: ", "))") }
            throw CommandFailure(.state, "instances left for an operator: " + problems.joined(separator: "; "))
        }
    }

    static func summary(_ report: StoreCopyReport) -> String {
        let verb = report.dryRun ? "would copy" : "copied"
        var lines = [
            "\(report.dryRun ? "dry run: " : "")\(report.source) -> \(report.target)",
            "instances:   \(report.instances) in the source, \(verb) \(report.instancesCopied), already there \(report.instancesAlreadyThere), conflicts \(report.conflicts.count), unreadable \(report.unreadable.count)",
            "signals:     \(report.signals) waiting, \(verb) \(report.signalsCopied)",
            "definitions: \(report.definitions) pinned, \(verb) \(report.definitionsCopied)",
        ]
        if !report.dryRun { lines.append("verified:    \(report.verified) instances read back identical, with their inboxes and definitions") }
        return lines.joined(separator: "\n")
    }
}
