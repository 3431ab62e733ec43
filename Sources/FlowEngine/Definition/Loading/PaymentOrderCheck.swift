/// Payment steps must run in the provider's order: nothing touches a payment before its `reserve` step created
/// it, and nothing captures or refunds before an `awaitPayment` saw it AUTHORIZED (the provider answers "Cannot
/// capture before reservation"). Cancelling an unauthorized payment is allowed: that is how a flow abandons one.
struct PaymentOrderCheck {
    let graph: StepGraph
    let decoder: DefinitionDecoder

    func validate() {
        for step in graph.steps {
            let (payment, needsAuthorization): (String, Bool)
            switch step.kind {
            case .capture(let capture): (payment, needsAuthorization) = (capture.payment, true)
            case .refund(let refund): (payment, needsAuthorization) = (refund.payment, true)
            case .cancel(let cancel): (payment, needsAuthorization) = (cancel.payment, false)
            case .awaitPayment(let wait): (payment, needsAuthorization) = (wait.payment, false)
            // A receipt is skipped while nothing is captured, so it needs only the payment.
            case .receipt(let receipt): (payment, needsAuthorization) = (receipt.payment, false)
            default: continue
            }
            if graph.reachable(withoutCompleting: payment).contains(step.id) {
                decoder.report(step.jsonPath, step.position, "step \"\(step.id)\" can run before reserve step \"\(payment)\" created the payment",
                               hint: "reach it only through \"\(payment)\"'s next transition")
                continue
            }
            guard needsAuthorization else { continue }
            let authorizations = graph.steps.compactMap { candidate -> StepGraph.Edge? in
                guard case .awaitPayment(let wait) = candidate.kind, wait.payment == payment else { return nil }
                return StepGraph.Edge(step: candidate.id, field: "next")
            }
            if graph.reachable(blocking: Set(authorizations)).contains(step.id) {
                decoder.report(step.jsonPath, step.position, "step \"\(step.id)\" can run before payment \"\(payment)\" is AUTHORIZED",
                               hint: "reach it only after an awaitPayment step's next transition (the provider rejects a capture or refund before authorization)")
            }
        }
    }
}
