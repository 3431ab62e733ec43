import Foundation

/// What the runtime knows about one visit to a step: attempts, the idempotency key of its side effect, and
/// whether that side effect finished.
///
/// The key is written to disk before the payment call is made ("intent"), and the result after it, so a runner
/// that dies between the two retries with the same key and confirms the outcome against the provider.
package struct StepRecord: Codable, Sendable, Equatable {
    /// The step's id in the pinned definition.
    package var step: String
    /// Counts visits to this step, so a step reached twice gets a fresh idempotency key.
    package var visit: Int
    /// When the instance entered the step.
    package var enteredAt: Date
    /// Calls made so far for this visit (payment calls, notifications, polls that failed).
    package var attempts: Int = 0
    /// The Idempotency-Key for this visit's side effect, recorded before the first call.
    package var idempotencyKey: String?
    /// The request the key stands for (for example the capture amount), so a retry sends the identical body.
    package var intent: [String: Value]?
    /// Set once the side effect's outcome is known and recorded.
    package var completedAt: Date?
    /// The last error, in words an operator can act on.
    package var lastError: String?
    /// When the next attempt or poll is due.
    package var nextAttemptAt: Date?

    package init(step: String, visit: Int, enteredAt: Date) {
        self.step = step
        self.visit = visit
        self.enteredAt = enteredAt
    }

    /// A side effect whose intent was recorded but whose outcome was not: a crash or lost response happened
    /// mid-call, so the outcome must be confirmed before anything else.
    package var isInterrupted: Bool { idempotencyKey != nil && completedAt == nil && attempts > 0 }
}
