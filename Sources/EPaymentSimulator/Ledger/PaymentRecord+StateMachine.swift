import Foundation

/// The ePayment state machine and money rules (core concepts; facts sections 7, 10, 12, 16, 20).
///
/// CREATED → AUTHORIZED (customer approves) | ABORTED (customer rejects) | EXPIRED (nobody acts in time) |
/// TERMINATED (merchant cancels first). AUTHORIZED stays AUTHORIZED; captures, cancels and refunds only move
/// the aggregate, keeping captured + cancelled ≤ authorized and refunded ≤ captured.
extension PaymentRecord {
    /// Capture and cancel are refused this long after authorization (facts section 12): 180 days in Norway (Vipps,
    /// NOK), 14 days in Denmark and Finland (MobilePay, DKK and EUR).
    private var capturePeriodDays: Int { amount.currency == "NOK" ? 180 : 14 }
    var capturePeriod: TimeInterval { TimeInterval(capturePeriodDays * 24 * 3600) }
    /// Refunds are refused this long after authorization (facts section 15).
    static let refundPeriod: TimeInterval = 365 * 24 * 3600

    private func event(_ name: String, _ amount: Int64, at date: Date, psp: String, key: String?) -> LedgerEvent {
        LedgerEvent(name: name, amount: amount, pspReference: psp, timestamp: date, idempotencyKey: key, success: true)
    }

    /// Applies what happens by itself as time passes: the demo auto-approval, then expiry.
    /// - Returns: the event recorded, if the state changed.
    mutating func advanceTime(to now: Date, psp: () -> String) -> LedgerEvent? {
        guard state == .created else { return nil }
        if let approveAt = autoApproveAt, approveAt <= now, approveAt < expiresAt {
            return try? authorize(at: approveAt, psp: psp())
        }
        if now >= expiresAt {
            state = .expired
            let expired = event("EXPIRED", amount.value, at: expiresAt, psp: psp(), key: nil)
            events.append(expired)
            return expired
        }
        return nil
    }

    /// The customer approves in the app (or the test endpoint force-approves).
    mutating func authorize(at now: Date, psp: String) throws(Problem) -> LedgerEvent {
        switch state {
        case .created:
            state = .authorized
            authorized = amount.value
            authorizedAt = now
            let authorizedEvent = event("AUTHORIZED", amount.value, at: now, psp: psp, key: nil)
            events.append(authorizedEvent)
            return authorizedEvent
        case .authorized:
            throw .domain(.paymentAlreadyReserved, detail: "Payment '\(reference)' is already AUTHORIZED.")
        case .aborted, .expired, .terminated:
            throw .domain(.approveFailed, detail: "Payment '\(reference)' is \(state.rawValue) and can no longer be approved.")
        }
    }

    /// The customer rejects the payment in the app.
    mutating func abort(at now: Date, psp: String) -> LedgerEvent? {
        guard state == .created else { return nil }
        state = .aborted
        let aborted = event("ABORTED", amount.value, at: now, psp: psp, key: nil)
        events.append(aborted)
        return aborted
    }

    /// Captures `value` minor units of the reservation.
    mutating func capture(_ value: Int64, at now: Date, psp: String, key: String?) throws(Problem) -> LedgerEvent {
        switch state {
        case .created, .aborted, .expired:
            throw .domain(
                .captureBeforeReservation,
                detail: "Payment '\(reference)' is \(state.rawValue); only an AUTHORIZED payment can be captured."
            )
        case .terminated:
            throw .domain(.captureCancelledPayment, detail: "Payment '\(reference)' was cancelled before authorization.")
        case .authorized:
            break
        }
        if cancelled > 0 {
            throw .domain(
                .captureCancelledPayment,
                detail: "Payment '\(reference)' was cancelled; the uncaptured remainder was released (cancelled \(cancelled))."
            )
        }
        if let authorizedAt, now.timeIntervalSince(authorizedAt) > capturePeriod {
            throw .domain(.capturePeriodExpired, detail: "Payment '\(reference)' was authorized more than \(capturePeriodDays) days ago.")
        }
        if value < 1 {
            throw .domain(.amountTooSmall, detail: "A capture must be at least 1 minor unit.")
        }
        if captured + cancelled + value > authorized {
            throw .domain(
                .captureAmountTooHigh,
                detail: "Capturing \(value) would exceed the authorized amount: authorized \(authorized), captured \(captured), cancelled \(cancelled)."
            )
        }
        captured += value
        let capturedEvent = event("CAPTURED", value, at: now, psp: psp, key: key)
        events.append(capturedEvent)
        return capturedEvent
    }

    /// Cancels: before authorization the payment becomes TERMINATED; after it, the whole uncaptured remainder is
    /// released (also after partial captures). With `transactionOnly`, an authorized payment is left intact.
    /// - Returns: the event recorded, or `nil` when nothing changed (`transactionOnly` on an authorized payment).
    mutating func cancel(transactionOnly: Bool, at now: Date, psp: String, key: String?) throws(Problem) -> LedgerEvent? {
        switch state {
        case .created:
            state = .terminated
            cancelled = amount.value
            let terminated = event("TERMINATED", amount.value, at: now, psp: psp, key: key)
            events.append(terminated)
            return terminated
        case .aborted, .expired:
            throw .domain(
                .cancelNonReservedPayment,
                detail: "Payment '\(reference)' is \(state.rawValue); there is no reservation to cancel."
            )
        case .terminated:
            throw .domain(.cancelInvalidState, detail: "Payment '\(reference)' is already TERMINATED.")
        case .authorized:
            break
        }
        if transactionOnly { return nil }
        if cancelled > 0 {
            throw .domain(.cancelInvalidState, detail: "Payment '\(reference)' was already cancelled (cancelled \(cancelled)).")
        }
        if uncapturedRemainder == 0 {
            throw .domain(.cancelCapturedPayment, detail: "Payment '\(reference)' is fully captured; nothing remains to cancel.")
        }
        if let authorizedAt, now.timeIntervalSince(authorizedAt) > capturePeriod {
            throw .domain(.cancelPeriodExpired, detail: "Payment '\(reference)' was authorized more than \(capturePeriodDays) days ago.")
        }
        let released = uncapturedRemainder
        cancelled += released
        let cancelledEvent = event("CANCELLED", released, at: now, psp: psp, key: key)
        events.append(cancelledEvent)
        return cancelledEvent
    }

    /// Refunds `value` minor units of what was captured.
    mutating func refund(_ value: Int64, at now: Date, psp: String, key: String?) throws(Problem) -> LedgerEvent {
        guard state == .authorized else {
            throw .domain(
                .refundBeforeReservation,
                detail: "Payment '\(reference)' is \(state.rawValue); only captured money of an AUTHORIZED payment can be refunded."
            )
        }
        if let authorizedAt, now.timeIntervalSince(authorizedAt) > Self.refundPeriod {
            throw .domain(.refundPeriodExpired, detail: "Payment '\(reference)' was authorized more than 365 days ago.")
        }
        if value < 1 {
            throw .domain(.amountTooSmall, detail: "A refund must be at least 1 minor unit.")
        }
        if captured > 0 && refunded == captured {
            throw .domain(.paymentAlreadyRefunded, detail: "Payment '\(reference)' is fully refunded (refunded \(refunded)).")
        }
        if refunded + value > captured {
            throw .domain(
                .notEnoughRefundable,
                detail: "Refunding \(value) would exceed what was captured: captured \(captured), refunded \(refunded)."
            )
        }
        refunded += value
        let refundedEvent = event("REFUNDED", value, at: now, psp: psp, key: key)
        events.append(refundedEvent)
        return refundedEvent
    }
}
