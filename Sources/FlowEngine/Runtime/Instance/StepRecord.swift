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
    package var intent: PaymentIntent?
    /// Set once the side effect's outcome is known and recorded.
    package var completedAt: Date?
    /// The last error, in words an operator can act on.
    package var lastError: String?
    /// When the next attempt or poll is due.
    package var nextAttemptAt: Date?
    /// When the last attempt of this visit's call was sent, so a look-up that finds nothing is taken as final only
    /// once a call sent then can no longer land (``Interpreter/outcomeSettlesAfter``).
    package var lastAttemptAt: Date?
    /// When the visit last sent a call that got no answer (a timeout, a lost response): such a call can still
    /// land until ``Interpreter/outcomeSettlesAfter`` later, whatever later attempts were answered.
    package var lastUnansweredAt: Date?
    /// Set while the outcome of this visit's call is unknown: an attempt may have taken effect (timeout, lost
    /// response, 5xx, unreadable success) and the provider could not be asked yet. Such a visit never fails as
    /// "not applied": it keeps asking, and operators' tools list it as stuck.
    package var unconfirmedSince: Date?
    /// When the provider confirmed that this visit's key took no effect (or the call was refused before it could),
    /// so a failed visit with an intent is known to hold no money.
    package var noEffectConfirmedAt: Date?
    /// The operator's reason when this visit runs only because an operator overrode a refusal (`evflow retry
    /// --from-step … --rerun-completed --reason …` onto a step whose money already moved).
    package var operatorOverride: String?
    /// Set when an operator marked this visit done by hand (`evflow mark-done`): the provider's event that did
    /// what the step's own call did not, and who accepted it why.
    package var manualCompletion: ManualCompletion?

    package init(step: String, visit: Int, enteredAt: Date) {
        self.step = step
        self.visit = visit
        self.enteredAt = enteredAt
    }

    /// Decodes a record from a state file, refusing counts the engine never writes: a hand-edited or damaged
    /// `"attempts": 9223372036854775807` would otherwise trap the worker (and stop every flow it runs) at the
    /// next `attempts += 1`. The store then sets the file aside as corrupt, naming the field.
    private enum CodingKeys: String, CodingKey {
        case step, visit, enteredAt, attempts, idempotencyKey, intent, completedAt, lastError, nextAttemptAt
        case unconfirmedSince, noEffectConfirmedAt, operatorOverride, lastAttemptAt, lastUnansweredAt, manualCompletion
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        step = try container.decode(String.self, forKey: .step)
        visit = try Self.count(in: container, .visit)
        enteredAt = try container.decode(Date.self, forKey: .enteredAt)
        attempts = try Self.count(in: container, .attempts)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        intent = try container.decodeIfPresent(PaymentIntent.self, forKey: .intent)
        completedAt = try container.decodeIfPresent(Date.self, forKey: .completedAt)
        lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
        nextAttemptAt = try container.decodeIfPresent(Date.self, forKey: .nextAttemptAt)
        unconfirmedSince = try container.decodeIfPresent(Date.self, forKey: .unconfirmedSince)
        noEffectConfirmedAt = try container.decodeIfPresent(Date.self, forKey: .noEffectConfirmedAt)
        operatorOverride = try container.decodeIfPresent(String.self, forKey: .operatorOverride)
        lastAttemptAt = try container.decodeIfPresent(Date.self, forKey: .lastAttemptAt)
        lastUnansweredAt = try container.decodeIfPresent(Date.self, forKey: .lastUnansweredAt)
        manualCompletion = try container.decodeIfPresent(ManualCompletion.self, forKey: .manualCompletion)
    }

    private static func count(in container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int {
        let value = try container.decode(Int.self, forKey: key)
        guard (0...Int(Int32.max)).contains(value) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(value) is not a count the engine writes (0...\(Int32.max))")
        }
        return value
    }

    /// A side effect whose intent was recorded but whose outcome was not: a crash or lost response happened
    /// mid-call, so the outcome must be confirmed before anything else.
    package var isInterrupted: Bool { idempotencyKey != nil && completedAt == nil && attempts > 0 }

    /// The payment reference of a reserve intent.
    package var intentReference: String? { intent?.reservation?.reference }
}
