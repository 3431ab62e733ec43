/// What a step does. The JSON `kind` names are the case names.
package enum StepKind: Sendable, Equatable {
    case reserve(ReserveStep)
    case awaitPayment(AwaitPaymentStep)
    case awaitSignal(AwaitSignalStep)
    case compute(ComputeStep)
    case capture(CaptureStep)
    case cancel(CancelStep)
    case refund(RefundStep)
    case notify(NotifyStep)
    case receipt(ReceiptStep)
    case choice(ChoiceStep)
    case wait(WaitStep)
    case succeed(SucceedStep)
    case fail(FailStep)

    /// Every `kind` accepted in a definition.
    package static let names = [
        "reserve", "awaitPayment", "awaitSignal", "compute", "capture", "cancel", "refund", "notify", "receipt", "choice",
        "wait", "succeed", "fail",
    ]

    /// The outputs a step of this kind records when it completes, readable as `steps.<id>.<output>`.
    package static func outputs(ofKind name: String) -> [StepOutputKey: ValueType] {
        switch name {
        case "reserve": [.reference: .string, .amount: .money, .redirectUrl: .string]
        case "awaitPayment": [.state: .string, .authorizedAmount: .money]
        case "awaitSignal": [.endedBy: .string]
        case "capture": [.capturedAmount: .money, .skipped: .boolean]
        case "cancel": [.cancelledAmount: .money]
        case "refund": [.refundedAmount: .money]
        case "notify": [.status: .integer]
        case "receipt": [.receiptId: .string, .skipped: .boolean]
        default: [:]
        }
    }

    /// The outputs a step of this kind records, as ``outputs(ofKind:)``.
    package var outputs: [StepOutputKey: ValueType] { Self.outputs(ofKind: name) }

    /// The kind-specific transitions (not timeout or failure), with the field that declares each.
    var transitions: [(field: String, target: String)] {
        switch self {
        case .reserve(let step): [("next", step.next)]
        case .awaitPayment(let step):
            [("next", step.next), ("onAborted", step.onAborted), ("onExpired", step.onExpired), ("onTerminated", step.onTerminated)]
        case .awaitSignal(let step):
            step.handlers.compactMap { handler in handler.next.map { ("on.\(handler.signal).next", $0) } }
                + step.until.enumerated().map { ("until[\($0.offset)].next", $0.element.next) }
        case .compute(let step): [("next", step.next)]
        case .capture(let step): [("next", step.next)]
        case .cancel(let step): [("next", step.next)]
        case .refund(let step): [("next", step.next)]
        case .notify(let step): [("next", step.next)]
        case .receipt(let step): [("next", step.next)]
        case .choice(let step):
            step.branches.enumerated().map { ("choices[\($0.offset)].next", $0.element.next) } + [("default", step.defaultNext)]
        case .wait(let step): [("next", step.next)]
        case .succeed, .fail: []
        }
    }
}

/// `name := expression`, evaluated in document order (each assignment sees the ones before it).
package struct Assignment: Sendable, Equatable {
    package var variable: String
    package var value: Expression
}

/// A condition and the step it leads to.
package struct Branch: Sendable, Equatable {
    package var condition: Expression
    package var next: String
}
