import ArgumentParser
import FlowEngine
import Foundation

/// `evflow fsck`: checks the state folder's files, inboxes, pinned definitions and outline index against each
/// other, and with `--repair` fixes what can be fixed without losing data.
struct FsckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Check instance files, inboxes, definitions and the outline index against each other.",
        discussion: """
            Reads every instance file (nothing is moved or rewritten without --repair) and reports each \
            difference with what --repair would do: instance or signal files that do not decode, inboxes of \
            instances that do not exist, pinned definitions that are missing, temporary files left by crashed \
            writes, and entries of the outline index (state/index/outlines.log, which `list` and start-up read) \
            that are missing, extra or stale, or an index that is damaged, of another version or unchecked since \
            the machine restarted.

            --repair rebuilds the index from the instance files, sets unreadable files and orphaned inboxes \
            aside into corrupt/ (never deleting them), and removes temporary files older than 10 minutes. A \
            missing definition cannot be repaired: restore it from a backup. --repair refuses to run while a \
            worker holds an instance's lock (exit 4): stop `evflow serve` / `evflow run` first.

            Progress goes to stderr on a terminal.

            Exit codes: 0 no differences (or all repaired), 1 differences found (or left after --repair), \
            2 bad usage, 4 state problem (a worker is running during --repair, a file could not be read or moved).

            Examples:
              evflow fsck
              evflow fsck --json | jq '.differences[].kind'
              evflow fsck --repair
            """)

    @OptionGroup var options: RunnerOptions

    @Flag(help: "Fix what can be fixed: rebuild the index, set unreadable files aside, remove stale temporary files.")
    var repair = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: false, definitions: false), logger: logger) { environment in
            let check = try environment.store.checkConsistency(repair: repair) { done, total in
                if total >= 1_000 { Output.progress("fsck", done, of: total, "instance files") }
            }
            let left = repair ? check.differences.filter { !$0.repairable } : check.differences
            if json {
                try Output.printJSON(check)
            } else {
                for difference in check.differences { print(difference) }
                for action in check.repaired { print("repaired: \(action)") }
                print("\(check.instances) instance\(check.instances == 1 ? "" : "s") checked, \(check.differences.count) difference\(check.differences.count == 1 ? "" : "s")\(repair ? ", \(left.count) left" : "")")
            }
            if !left.isEmpty { throw ExitCode(CommandFailure.Status.failure.rawValue) }
        }
    }
}
