/// What the verdict expects of one session, given what the campaign's operator did to it. Whatever the operator
/// did, the money rules that protect the customer hold for every session: at most one CAPTURED per payment,
/// never more than the independently computed price, nothing left held, nothing refunded, and the instance
/// finished with the provider's figures. What an operator may change is where the session ended and, when a
/// session was ended early on purpose, how much of the price was captured:
///
/// - ``planned``: no command that can move a session took effect on it (refusals, `resume`, `show`, `list` and
///   `reconcile` do not count): the plan's outcome exactly, as without an operator.
/// - ``movedAfterFinish``: every such command started after the driver saw the session finish. The money was
///   settled before, so the plan's money exactly (a `retry --from-step capture` on a finished session must not
///   capture again); the status may change (`--from-step releaseAll` ends it failed).
/// - ``cancelled``: `cancel` took effect while it was in flight, and nothing else did: captured nothing, or the
///   computed price if the capture went through before the cancel was seen.
/// - ``moved``: `retry` or `retry --from-step` took effect while it was in flight: the flow captures what it
///   knew then, so nothing, the price of one of the readings sent, or the computed price
///   (``ChaosSessionPlan/pricesSoFar``).
enum ChaosExpectation: CustomStringConvertible {
    case planned
    case movedAfterFinish
    case cancelled
    case moved

    init(finishedAt: ContinuousClock.Instant?, moves: [ChaosOperator.Record]) {
        let inFlight = moves.filter { move in finishedAt.map { move.beganAt < $0 } ?? true }
        if moves.isEmpty {
            self = .planned
        } else if inFlight.isEmpty {
            self = .movedAfterFinish
        } else if inFlight.allSatisfy({ $0.action.command == .cancel }) {
            self = .cancelled
        } else {
            self = .moved
        }
    }

    /// Whether the driver's own view (status, failure code, money when it saw the end) must match the plan.
    var followsPlan: Bool { self == .planned || self == .movedAfterFinish }

    /// The captured amounts the ledger may show for `plan`.
    func captures(_ plan: ChaosSessionPlan) -> Set<Int64> {
        switch self {
        case .planned, .movedAfterFinish: [plan.expectedCapture]
        case .cancelled: [0, plan.expectedCapture]
        case .moved: plan.pricesSoFar
        }
    }

    var description: String {
        switch self {
        case .planned: "planned"
        case .movedAfterFinish: "moved by the operator after it finished"
        case .cancelled: "cancelled by the operator in flight"
        case .moved: "moved by the operator in flight"
        }
    }
}
