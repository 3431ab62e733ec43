import ArgumentParser
import FlowEngine
import Foundation

/// `evflow reconcile`: compares instances' payments with the provider and repairs the local figures.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare instances' payments with the provider's aggregate and event log; repair local figures.",
        discussion: """
            For each instance with a payment: reads the payment and its event log from the provider (reads \
            only: reconcile never moves money), reports every difference in state or amounts, and sets the \
            instance's figures to the provider's (under its lock, with a `reconciled` history entry). Successful \
            provider operations (captures above all) whose Idempotency-Key no step of the instance recorded are \
            flagged for a person: they were made outside evflow or by a run whose state was lost. So are payments \
            with more than one successful capture and captures above what the flow computes as owed (refund \
            the difference), and payments an instance intended to create but never recorded (a failed \
            instance's such payment is adopted, so `evflow cancel` can release it).

            --all goes through every instance in the state folder, with progress on a terminal.

            Exit codes: 0 consistent (or repaired), 1 differences left (--dry-run) or operations flagged or a \
            provider read failed, 3 no such instance.

            Examples:
              evflow reconcile session-4711 --dry-run
              evflow reconcile session-4711
              evflow reconcile --all --json > reconcile.json
            """)

    @OptionGroup var options: RunnerOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String?

    @Flag(help: "Reconcile every instance.")
    var all = false

    @Flag(name: .customLong("dry-run"), help: "Report differences; change nothing.")
    var dryRun = false

    @Flag(help: "Print the reports as JSON.")
    var json = false

    func validate() throws {
        if (id == nil) == !all { throw ValidationError("give an instance id or --all (not both)") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: true, definitions: false), logger: logger) { environment in
            let ids = try id.map { [$0] } ?? environment.store.instanceIDs().sorted()
            var reports: [ReconciliationReport] = []
            var needsAttention = false
            for (index, id) in ids.enumerated() {
                if all { Output.progress("reconcile", index, of: ids.count, id) }
                do {
                    let report = try await environment.runner.reconcile(id, repair: !dryRun)
                    if all && report.reference == nil { continue }  // no payment: nothing to compare
                    reports.append(report)
                    if !report.unrecordedOperations.isEmpty || !report.moneyFlags.isEmpty || (!report.differences.isEmpty && !report.repaired) { needsAttention = true }
                    if !json { print(Self.text(report)) }
                } catch {
                    if !all { throw error }
                    needsAttention = true
                    Output.note("\(id): \(error)")
                }
            }
            if all { Output.progress("reconcile", ids.count, of: ids.count, "done") }
            if json { try Output.printJSON(reports) }
            if all && !json { print("\(reports.count) payment\(reports.count == 1 ? "" : "s") checked, \(reports.filter { !$0.isConsistent }.count) with differences") }
            if needsAttention { throw ExitCode(CommandFailure.Status.failure.rawValue) }
        }
    }

    static func text(_ report: ReconciliationReport) -> String {
        guard let reference = report.reference else { return "\(report.id): \(report.note ?? "no payment")" }
        var lines: [String] = []
        if report.isConsistent {
            lines.append("\(report.id): payment \(reference) matches the provider (\(report.provider?.state ?? "?"))")
        } else {
            lines.append("\(report.id): payment \(reference): \(report.differences.count + report.unrecordedOperations.count + report.moneyFlags.count) difference(s)")
            lines += report.differences.map { "  - \($0)" }
            lines += report.unrecordedOperations.map { "  - FLAGGED: \($0)" }
            lines += report.moneyFlags.map { "  - FLAGGED: \($0)" }
            if report.repaired { lines.append("  repaired: the local figures now are the provider's") }
        }
        if let note = report.note { lines.append("  \(note)") }
        return lines.joined(separator: "\n")
    }
}
