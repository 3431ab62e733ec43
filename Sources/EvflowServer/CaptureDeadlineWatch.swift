import FlowEngine
import Foundation
import Synchronization

/// The capture deadline of every payment that still holds the customer's money, by instance, for the
/// `evflow_payments_near_capture_deadline` gauge: filled at startup from the state folder and kept current by a save
/// hook (``ServerRuntime``), so a scrape counts from memory instead of reading every instance file.
package final class CaptureDeadlineWatch: Sendable {
    private let deadlines = Mutex<[String: Date]>([:])
    private let windows: CaptureWindows

    package init(windows: CaptureWindows) {
        self.windows = windows
    }

    /// Notes the instance's deadline while its payment holds money, and forgets it once it does not.
    package func record(id: String, payment: PaymentSummary?, startedAt: Date) {
        let deadline = payment.flatMap { CaptureWindows.holdsMoney($0) ? windows.deadline(of: $0, startedAt: startedAt) : nil }
        deadlines.withLock { $0[id] = deadline }
    }

    /// Payments still holding money whose deadline is at most 48 hours after `now` (or passed).
    package func nearDeadline(at now: Date) -> Int {
        deadlines.withLock { deadlines in deadlines.values.reduce(0) { $0 + ($1.timeIntervalSince(now) <= CaptureWindows.warning ? 1 : 0) } }
    }
}
