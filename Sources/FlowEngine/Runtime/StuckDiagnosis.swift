import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides whether an instance needs an operator, and says why in words they can act on.
///
/// "Stuck" means one of:
/// - **overdue**: waiting, and its timer (poll, retry backoff, step timeout or flow deadline) fell due more than
///   `grace` ago without a worker running it (no worker, or workers overloaded);
/// - **retries exhausted**: a step failed `maxAttempts` times (the instance failed there, or keeps failing);
/// - **orphaned**: `running`, with no live process holding its lock, and not saved for longer than `grace`
///   (its worker died mid-step and no worker has picked it up since);
/// - **money held by a finished instance**: it failed while the customer still has money reserved, or without
///   knowing whether its payment was created (a reserve intent with no confirmed outcome);
/// - **unconfirmed**: a payment call may have taken effect and the provider could not be asked for longer
///   than `grace`;
/// - **an operator refund unsettled**: `evflow refund` sent a refund whose outcome it never learnt (a crash);
/// - **near its capture deadline**: the payment still holds money and the provider cancels it within 48 hours
///   (``CaptureWindows``), whatever the instance is doing.
///
/// Corrupt state files are reported separately (they cannot be read to diagnose).
package struct StuckDiagnosis: Sendable {
    /// How late a timer or how old a `running` instance may be before it counts as stuck.
    package var grace: TimeInterval
    package var now: Date
    /// The provider's capture windows (the deployment's, when read through ``InstanceInspector``).
    package var captureWindows: CaptureWindows = .provider

    package init(grace: TimeInterval, now: Date) {
        self.grace = grace
        self.now = now
    }

    /// Why `instance` is stuck, or `nil` when it is not.
    /// - Parameters:
    ///   - definition: its pinned definition, for step retry policies; `nil` when it cannot be loaded.
    ///   - lockHolder: who holds its lock, `nil` when unlocked.
    package func reason(for instance: FlowInstance, definition: FlowDefinition?, lockHolder: LockHolder?) -> String? {
        reason(for: InstanceOutline(instance), definition: definition, lockHolder: lockHolder)
    }

    /// Why the instance with this outline is stuck, or `nil`: the outline holds everything the diagnosis reads.
    /// A payment that still holds money within 48 hours of its capture deadline is flagged whatever else holds.
    package func reason(for instance: InstanceOutline, definition: FlowDefinition?, lockHolder: LockHolder?) -> String? {
        let ordinary = ordinaryReason(for: instance, definition: definition, lockHolder: lockHolder)
        guard let near = captureDeadlineReason(for: instance) else { return ordinary }
        return ordinary.map { "\(near); \($0)" } ?? near
    }

    private func ordinaryReason(for instance: InstanceOutline, definition: FlowDefinition?, lockHolder: LockHolder?) -> String? {
        let record = instance.lastStep
        let step = record.flatMap { record in definition?.step(record.step) }
        let maxAttempts = (step?.retry ?? .standard).maxAttempts
        if let holder = lockHolder, holder.isAbandoned {
            if let lapse = holder.lapse { return "\(lapse); another worker takes it over (or `evflow resume \(instance.id)` now)" }
            return "locked by \(holder), which no longer exists; `evflow resume \(instance.id)` takes it over"
        }
        if let refund = instance.unsettledOperatorRefund {
            return "operator refund #\(refund.number) of \(refund.money) (Idempotency-Key \(refund.idempotencyKey)) has no confirmed outcome since \(InstanceSummary.time(refund.lastAttemptAt ?? refund.requestedAt)): it may have reached the customer; run the same `evflow refund` again or `evflow resume \(instance.id)` to settle it by its key\(refund.lastError.map { " (\($0))" } ?? "")"
        }
        if let record, record.completedAt == nil, let since = record.unconfirmedSince, now.timeIntervalSince(since) > grace {
            return "the outcome of step \(record.step) (Idempotency-Key \(record.idempotencyKey ?? "?")) is unconfirmed since \(InstanceSummary.time(since)): the call may have taken effect and the provider could not be asked; evflow keeps asking (`evflow reconcile \(instance.id)` looks now): \(record.lastError ?? "")"
        }
        switch instance.status {
        case .failed:
            if let reference = instance.unconfirmedReservation {
                return "failed without knowing whether payment \(reference) was created (its reserve call may have taken effect): the customer may have money reserved; `evflow cancel \(instance.id) --reason …` releases it if it exists, `evflow reconcile \(instance.id)` looks it up"
            }
            if let payment = instance.payment, payment.state == "CREATED" || payment.held > 0 {
                let held = payment.state == "CREATED" ? payment.reserved : payment.held
                return "failed with \(Money(minorUnits: held, currency: payment.currency)) still reserved on payment \(payment.reference); `evflow cancel` releases it, `evflow retry` tries the step again"
            }
            if let record, let failure = instance.failure, failure.step == record.step, record.lastError != nil, record.attempts >= maxAttempts {
                return "retries exhausted at step \(record.step) after \(record.attempts) attempts: \(record.lastError ?? failure.message)"
            }
            return nil
        case .succeeded:
            return nil
        case .waiting:
            if let record, record.completedAt == nil, let error = record.lastError, record.attempts >= maxAttempts {
                return "step \(record.step) has failed \(record.attempts) times and keeps retrying: \(error)"
            }
            if let wakeAt = instance.wakeAt, now.timeIntervalSince(wakeAt) > grace {
                return "timer due \(Self.age(now.timeIntervalSince(wakeAt))) ago (\(InstanceSummary.time(wakeAt))) was not run: is a worker (`evflow run`) running on this state folder?"
            }
            return nil
        default:
            if lockHolder == nil, now.timeIntervalSince(instance.updatedAt) > grace {
                return "running but no worker has held it for \(Self.age(now.timeIntervalSince(instance.updatedAt))) (its worker stopped mid-step?); `evflow resume \(instance.id)` continues it"
            }
            return nil
        }
    }

    /// `3m12s`, `2h5m`, `40s`.
    static func age(_ seconds: TimeInterval) -> String {
        FlowDuration(milliseconds: Int64(max(0, seconds).rounded()) * 1000).description
    }
}
