import Foundation

/// One instance as an operator scans it in `evflow list` and `evflow run`: where it is, what money it moved,
/// and, when it needs attention, why it is stuck.
public struct InstanceSummary: Codable, Sendable, Equatable {
    public var id: String
    public var flow: String
    public var version: Int
    public var status: String
    /// The step it is at; `nil` once finished.
    public var step: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// When its next timer fires.
    public var wakeAt: Date?
    public var paymentReference: String?
    public var paymentState: String?
    public var currency: String?
    /// Minor units, as last confirmed by the provider.
    public var reserved: Int64?
    public var authorized: Int64?
    public var captured: Int64?
    /// Released back to the customer (cancelled).
    public var released: Int64?
    public var refunded: Int64?
    /// Authorized money neither captured nor released.
    public var held: Int64?
    /// `code: message` for a failed instance.
    public var failure: String?
    /// The current (or failed) step's last error.
    public var lastError: String?
    /// Why the instance needs an operator, when it does (see ``StuckDiagnosis``).
    public var stuck: String?

    public init(_ instance: FlowInstance, stuck: String? = nil) {
        self.init(InstanceOutline(instance), stuck: stuck)
    }

    /// The summary of an outline, which is all a summary needs (listings read only outlines: cheaper).
    package init(_ instance: InstanceOutline, stuck: String? = nil) {
        id = instance.id
        flow = instance.flow.name
        version = instance.flow.version
        status = instance.status.rawValue
        step = instance.currentStep
        createdAt = instance.createdAt
        updatedAt = instance.updatedAt
        wakeAt = instance.wakeAt
        if let payment = instance.payment {
            paymentReference = payment.reference
            paymentState = payment.state
            currency = payment.currency
            reserved = payment.reserved
            authorized = payment.authorized
            captured = payment.captured
            released = payment.cancelled
            refunded = payment.refunded
            held = payment.held
        }
        failure = instance.failure.map { "\($0.code): \($0.message)" }
        lastError = instance.lastStep?.lastError
        self.stuck = stuck
    }

    /// A row for a file in `corrupt/`, which no command can run until someone repairs it.
    public init(corruptFile name: String, movedAt: Date) {
        id = name
        flow = "?"
        version = 0
        status = "corrupt"
        createdAt = movedAt
        updatedAt = movedAt
        stuck = "state file moved aside to corrupt/\(name) because it does not decode; inspect and repair it by hand"
    }

    /// `1234.50 NOK`, or `-` when there is no payment.
    public func money(_ minorUnits: Int64?) -> String {
        guard let minorUnits, let currency else { return "-" }
        return Money(minorUnits: minorUnits, currency: currency).description
    }

    /// The line `evflow run` prints when an instance parks or finishes.
    public var runLine: String {
        var text = "\(id) \(status)"
        if let step { text += " at \(step)" }
        if let wakeAt { text += ", next timer \(Self.time(wakeAt))" }
        if paymentReference != nil {
            text += "; reserved \(money(reserved)), captured \(money(captured)), released \(money(released))"
            if let refunded, refunded > 0 { text += ", refunded \(money(refunded))" }
        }
        if let failure { text += "; \(failure)" }
        return text
    }

    /// `42s`, `3m`, `2h5m`, `3d4h`: an age coarse on purpose, for scanning (`evflow list`, `show`, the console).
    package static func age(_ seconds: TimeInterval) -> String {
        let whole = Int64(max(0, seconds))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" }
        if whole < 86_400 { return "\(whole / 3600)h\(whole % 3600 / 60)m" }
        return "\(whole / 86_400)d\(whole % 86_400 / 3600)h"
    }

    /// `2026-11-27 14:32:05Z`: UTC, to the second, as an ISO 8601 formatter writes it.
    ///
    /// Computed, not formatted: an ISO 8601 formatter per call was a visible share of `evflow list` over 100,000
    /// rows (every parked instance shows its next timer).
    public static func time(_ date: Date) -> String {
        // To the millisecond first, then the second: what the formatter does (`.9996` shows as the next second).
        guard let milliseconds = Int64(exactly: (date.timeIntervalSince1970 * 1000).rounded()) else {
            // Beyond what Int64 milliseconds hold (a timer millions of years ahead): the formatter says what it can.
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: date).replacingOccurrences(of: "T", with: " ")
        }
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = StateFileCoding.civil(fromDays: days)
        let pad = StateFileCoding.pad
        return "\(year >= 0 ? pad(year, 4) : String(year))-\(pad(month, 2))-\(pad(day, 2)) \(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }
}
