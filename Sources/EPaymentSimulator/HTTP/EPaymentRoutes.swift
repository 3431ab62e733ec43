import Foundation
import Hummingbird

/// The ePayment v1 API and the access-token endpoint, under the real API's paths (facts sections 1-4).
struct EPaymentRoutes: Sendable {
    let simulator: Simulator
    var responder: OperationResponder { OperationResponder(simulator: simulator) }

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("/accesstoken/get") { request, context in
            await responder.respond(.accessToken, method: "POST", pathTemplate: "/accesstoken/get", request: request, context: context) {
                _ throws(Problem) in
                try simulator.accessToken(
                    clientId: APIRequest.header(request, "client_id"),
                    clientSecret: APIRequest.header(request, "client_secret"),
                    subscriptionKey: APIRequest.header(request, "Ocp-Apim-Subscription-Key")
                )
            }
        }
        router.post("/epayment/v1/payments") { request, context in
            await responder.respond(.createPayment, method: "POST", pathTemplate: "/v1/payments", request: request, context: context) {
                bytes throws(Problem) in
                let api = try APIRequest.parse(request, body: bytes, simulator: simulator, requiresIdempotencyKey: true)
                let input = try CreatePaymentRequestValidator.validate(api.body, msn: api.msn)
                try limit(.createPayment, api, input.reference)
                return try simulator.createPayment(input, idempotencyKey: api.idempotencyKey ?? "", fingerprint: api.fingerprint)
            }
        }
        router.get("/epayment/v1/payments/:reference") { request, context in
            await responder.respond(.getPayment, method: "GET", pathTemplate: "/v1/payments/{Reference}", request: request, context: context) {
                bytes throws(Problem) in
                let (api, reference) = try parse(request, context, bytes, requiresIdempotencyKey: false)
                try limit(.getPayment, api, reference)
                return try simulator.read(msn: api.msn, reference: reference) { Wire.encode($0.wireGetResponse) }
            }
        }
        router.get("/epayment/v1/payments/:reference/events") { request, context in
            await responder.respond(
                .getPaymentEventLog, method: "GET", pathTemplate: "/v1/payments/{Reference}/events", request: request, context: context
            ) { bytes throws(Problem) in
                let (api, reference) = try parse(request, context, bytes, requiresIdempotencyKey: false)
                try limit(.getPaymentEventLog, api, reference)
                return try simulator.read(msn: api.msn, reference: reference) { payment in
                    Wire.encode(payment.events.map { payment.wireEvent($0) })
                }
            }
        }
        registerModifications(on: router)
        router.post("/epayment/v1/test/payments/:reference/approve") { request, context in
            await responder.respond(
                .forceApprove, method: "POST", pathTemplate: "/v1/test/payments/{Reference}/approve", request: request, context: context
            ) { bytes throws(Problem) in
                let (api, reference) = try parse(request, context, bytes, requiresIdempotencyKey: false)
                let token = try forceApproveToken(api.body)
                return try simulator.forceApprove(msn: api.msn, reference: reference, token: token)
            }
        }
    }

    private func registerModifications(on router: Router<SimulatorRequestContext>) {
        registerAmountModification(
            on: router, .capturePayment, action: "capture", conflict: .captureIdempotencyConflict
        ) { payment, money, now, psp, key throws(Problem) in
            try payment.capture(money, at: now, psp: psp, key: key)
        }
        registerAmountModification(
            on: router, .refundPayment, action: "refund", conflict: .refundIdempotencyConflict
        ) { payment, money, now, psp, key throws(Problem) in
            try payment.refund(money, at: now, psp: psp, key: key)
        }
        router.post("/epayment/v1/payments/:reference/cancel") { request, context in
            await responder.respond(
                .cancelPayment, method: "POST", pathTemplate: "/v1/payments/{Reference}/cancel", request: request, context: context
            ) { bytes throws(Problem) in
                // The spec (v1.7.0) does not require an Idempotency-Key on cancel; one is honoured when sent.
                let (api, reference) = try parse(request, context, bytes, requiresIdempotencyKey: false)
                try limit(.cancelPayment, api, reference)
                var check = FieldValidator()
                var transactionOnly = false
                if let body = api.body, let root = check.object(body, "body", required: true),
                    let flag = root["cancelTransactionOnly"], flag != .null
                {
                    if case .bool(let value) = flag { transactionOnly = value } else {
                        check.fail("cancelTransactionOnly", "Must be a boolean, got \(flag.typeName).")
                    }
                }
                try check.finish()
                return try simulator.modify(
                    .cancelPayment, msn: api.msn, reference: reference, idempotencyKey: api.idempotencyKey,
                    fingerprint: api.fingerprint, conflict: .cancelIdempotencyConflict
                ) { (payment, now, psp) throws(Problem) in
                    try payment.cancel(transactionOnly: transactionOnly, at: now, psp: psp, key: api.idempotencyKey)
                }
            }
        }
    }

    /// Capture and refund: `POST /epayment/v1/payments/{reference}/<action>` with a `modificationAmount` in the
    /// payment's currency, an Idempotency-Key, and `apply` moving the money on the ledger record.
    private func registerAmountModification(
        on router: Router<SimulatorRequestContext>, _ operation: SimulatedOperation, action: String, conflict: DomainError,
        apply: @escaping @Sendable (inout PaymentRecord, Int64, Date, String, String?) throws(Problem) -> LedgerEvent
    ) {
        router.post("/epayment/v1/payments/:reference/\(action)") { request, context in
            await responder.respond(
                operation, method: "POST", pathTemplate: "/v1/payments/{Reference}/\(action)", request: request, context: context
            ) { bytes throws(Problem) in
                let (api, reference) = try parse(request, context, bytes, requiresIdempotencyKey: true)
                try limit(operation, api, reference)
                let money = try modificationAmount(api.body)
                return try simulator.modify(
                    operation, msn: api.msn, reference: reference, idempotencyKey: api.idempotencyKey,
                    fingerprint: api.fingerprint, conflict: conflict
                ) { (payment, now, psp) throws(Problem) in
                    try sameCurrency(money, payment)
                    return try apply(&payment, money.value, now, psp, api.idempotencyKey)
                }
            }
        }
    }

    private func parse(
        _ request: Request, _ context: SimulatorRequestContext, _ bytes: [UInt8], requiresIdempotencyKey: Bool
    ) throws(Problem) -> (APIRequest, String) {
        let api = try APIRequest.parse(request, body: bytes, simulator: simulator, requiresIdempotencyKey: requiresIdempotencyKey)
        let reference = try APIRequest.reference(context.parameters.get("reference") ?? "")
        return (api, reference)
    }

    private func limit(_ operation: SimulatedOperation, _ api: APIRequest, _ reference: String) throws(Problem) {
        if let problem = simulator.checkRateLimit(operation, msn: api.msn, reference: reference, subscriptionKey: api.subscriptionKey) {
            throw problem
        }
    }

    /// Validates a `ForceApprove` body (optional): `token` a string, `customer` a `Customer`.
    private func forceApproveToken(_ body: JSONValue?) throws(Problem) -> String? {
        guard let body else { return nil }
        var check = FieldValidator()
        var token: String?
        if let root = check.object(body, "body", required: true) {
            token = check.string(root["token"], "token", required: false)
            check.customer(root["customer"], "customer", required: false)
        }
        try check.finish()
        return token
    }

    private func modificationAmount(_ body: JSONValue?) throws(Problem) -> Money {
        var check = FieldValidator()
        let root = check.object(body, "body", required: true)
        let money = root.flatMap { check.amount($0["modificationAmount"], "modificationAmount") }
        try check.finish()
        guard let money else { throw Problem.validation([.init(name: "modificationAmount", reason: "Required.")]) }
        return money
    }

    private func sameCurrency(_ money: Money, _ payment: PaymentRecord) throws(Problem) {
        guard money.currency == payment.amount.currency else {
            throw Problem.validation([
                .init(
                    name: "modificationAmount.currency",
                    reason: "Must be the payment's currency \(payment.amount.currency), got \(money.currency)."
                )
            ])
        }
    }
}
