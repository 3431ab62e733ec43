import Foundation

/// The states of the ePayment state machine (spec: `State`).
enum PaymentState: String, Sendable, Codable {
    case created = "CREATED"
    case authorized = "AUTHORIZED"
    case aborted = "ABORTED"
    case expired = "EXPIRED"
    case terminated = "TERMINATED"

    var isFinalWithoutReservation: Bool { self == .aborted || self == .expired || self == .terminated }
}

/// An amount in minor units with its currency, as it travels on the wire.
struct Money: Sendable, Hashable, Codable {
    var currency: String
    var value: Int64
}

/// The simulator's mutable record of one payment. All changes go through `PaymentRecord+StateMachine.swift`.
struct PaymentRecord: Sendable {
    let msn: String
    let reference: String
    let amount: Money
    let userFlow: String
    let paymentMethodType: String
    let pspReference: String
    let redirectUrl: String?
    /// The token in `redirectUrl`; the force-approve endpoint may send it back.
    let approvalToken: String
    let metadata: [String: String]?
    let createdAt: Date
    let expiresAt: Date
    /// When the demo customer approves by themselves (`autoApproveAfter`), if configured.
    let autoApproveAt: Date?
    /// Only the fact that a scope was requested is kept; the phone number never is (developers' guide).
    let profileScopeRequested: Bool
    /// As requested; `nil` for the default.
    var customerInteraction: String?

    var state: PaymentState = .created
    var authorizedAt: Date?
    var authorized: Int64 = 0
    var captured: Int64 = 0
    var cancelled: Int64 = 0
    var refunded: Int64 = 0
    var events: [LedgerEvent] = []
    /// The Order Management receipt, with the fingerprint of the body it came from (a repeat must match it).
    var receipt: (value: LedgerReceipt, fingerprint: String)?

    var aggregate: LedgerAggregate {
        LedgerAggregate(authorized: authorized, captured: captured, cancelled: cancelled, refunded: refunded)
    }

    /// Money that is reserved and neither captured nor released.
    var uncapturedRemainder: Int64 { authorized - captured - cancelled }

    /// The invariants every payment satisfies after every operation; checked in debug builds and tests.
    var invariantsHold: Bool {
        let amounts = [authorized, captured, cancelled, refunded].allSatisfy { $0 >= 0 }
        switch state {
        case .created, .aborted, .expired:
            return amounts && authorized == 0 && captured == 0 && cancelled == 0 && refunded == 0
        case .terminated:
            // Cancel before authorization: the whole amount is reported as cancelled (facts section 10).
            return amounts && authorized == 0 && captured == 0 && cancelled == amount.value && refunded == 0
        case .authorized:
            return amounts && authorized == amount.value && captured + cancelled <= authorized && refunded <= captured
        }
    }

    func snapshot() -> LedgerPayment {
        LedgerPayment(
            msn: msn,
            reference: reference,
            state: state.rawValue,
            currency: amount.currency,
            amount: amount.value,
            aggregate: aggregate,
            pspReference: pspReference,
            events: events,
            createdAt: createdAt,
            expiresAt: expiresAt,
            receipt: receipt?.value,
            userFlow: userFlow,
            customerInteraction: customerInteraction
        )
    }
}
