import Foundation

extension StuckDiagnosis {
    /// Why the instance's payment needs a person before the provider cancels it: it still holds money and its
    /// capture deadline is less than ``CaptureWindows/warning`` away (or passed); `nil` otherwise.
    func captureDeadlineReason(for instance: InstanceOutline) -> String? {
        guard let payment = instance.payment, CaptureWindows.holdsMoney(payment),
              let deadline = captureWindows.deadline(of: payment, startedAt: instance.createdAt),
              deadline.timeIntervalSince(now) <= CaptureWindows.warning else { return nil }
        let held = Money(minorUnits: payment.held, currency: payment.currency)
        let left = deadline.timeIntervalSince(now)
        let when = left > 0 ? "in \(Self.age(left))" : "\(Self.age(-left)) ago"
        return "payment \(payment.reference) still holds \(held) and its capture deadline is \(InstanceSummary.time(deadline)) (\(when)), when the provider cancels it: capture what is owed or release it now (`evflow resume \(instance.id)`, `evflow cancel \(instance.id) --reason …`)"
    }

    /// Whether the instance's payment still holds money within ``CaptureWindows/warning`` of its capture deadline.
    package func isNearCaptureDeadline(_ instance: InstanceOutline) -> Bool {
        captureDeadlineReason(for: instance) != nil
    }
}
