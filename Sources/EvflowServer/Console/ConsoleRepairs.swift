import FlowEngine
import Foundation

/// Every call the console makes to change an instance, in one place: the dry run a repair shows first, and the
/// repair itself, recorded in the instance's timeline with the token's name and the operator's reason
/// (`console: ops-alice: resume: station rebooted`).
///
/// All of it runs on the runner's threads (``FlowRunner/onRunnerThreads(_:)``), as the JSON routes do: plans read
/// the instance from disk, repairs save it.
struct ConsoleRepairs: Sendable {
    let runtime: ServerRuntime

    /// What the repair would do, in the words of `evflow … --dry-run`.
    /// - Throws: the ``FlowError`` the repair itself would throw (a finished instance cannot be resumed, a money
    ///   step whose money moved is not re-run without `rerunCompleted`).
    func preview(_ repair: ConsoleRepair, instance id: String, by identity: ConsoleIdentity) async throws -> String {
        let runner = runtime.runner
        let catalog = runtime.catalog
        let reason = Self.auditText(repair, by: identity)
        return try await runner.onRunnerThreads {
            switch repair.action {
            case .resume: try runner.resumePlan(id)
            case .retry: try runner.retryPlan(id, fromStep: repair.fromStep, override: repair.rerunCompleted ? reason : nil)
            case .cancel: try runner.cancellationPlan(id, reason: reason)
            case .refund: try runner.refundPlan(id, amount: repair.amount ?? .all, reason: reason)
            case .markDone:
                try await runner.markDonePlan(id, step: repair.step ?? "", pspReference: repair.pspReference ?? "", reason: reason, by: identity.name).summary
            case .correct:
                try runner.resumePlan(id, setting: try Self.corrections(repair, instance: id, runner: runner, catalog: catalog), reason: reason, by: identity.name)
            }
        }
    }

    /// Makes the repair and returns the instance afterwards.
    ///
    /// Resume and retry take no reason, so the console first records one in the timeline (after checking, through
    /// the plan, that the repair is possible); cancel and refund carry it in their own reason.
    func perform(_ repair: ConsoleRepair, instance id: String, by identity: ConsoleIdentity) async throws -> FlowInstance {
        let runner = runtime.runner
        let clock = runtime.clock
        let catalog = runtime.catalog
        let reason = Self.auditText(repair, by: identity)
        let actor = identity.name
        return try await runner.onRunnerThreads {
            switch repair.action {
            case .resume:
                _ = try runner.resumePlan(id)
                try await Self.note(reason, on: id, runner: runner, clock: clock)
                return try await runner.resume(id, by: actor)
            case .retry:
                let override = repair.rerunCompleted ? reason : nil
                _ = try runner.retryPlan(id, fromStep: repair.fromStep, override: override)
                try await Self.note(reason, on: id, runner: runner, clock: clock)
                return try await runner.retry(id, fromStep: repair.fromStep, override: override, by: actor)
            case .cancel:
                return try await runner.cancel(id, reason: reason, by: actor)
            case .refund:
                return try await runner.refund(id, amount: repair.amount ?? .all, reason: reason, by: actor).instance
            case .markDone:
                return try await runner.markDone(id, step: repair.step ?? "", pspReference: repair.pspReference ?? "", reason: reason, by: actor)
            case .correct:
                let corrections = try Self.corrections(repair, instance: id, runner: runner, catalog: catalog)
                return try await runner.resume(id, setting: corrections, reason: reason, by: actor)
            }
        }
    }

    /// The form's `inputs.<name>=<value>` lines, typed by the instance's pinned definition.
    private static func corrections(_ repair: ConsoleRepair, instance id: String, runner: FlowRunner, catalog: DefinitionCatalog) throws -> [ValueCorrection] {
        let definition = try catalog.definition(for: try runner.instance(id).flow)
        return try repair.assignments.map { try ValueCorrection.parse($0, for: definition, instanceID: id) }
    }

    /// `console: <token name>: <action>: <reason>`, the text the timeline keeps.
    static func auditText(_ repair: ConsoleRepair, by identity: ConsoleIdentity) -> String {
        "console: \(identity.name): \(repair.action.rawValue): \(repair.reason)"
    }

    private static func note(_ text: String, on id: String, runner: FlowRunner, clock: any FlowClock) async throws {
        try await runner.modify(id) { instance in
            instance.log("operator", step: instance.currentStep, text, at: clock.now)
        }
    }
}
