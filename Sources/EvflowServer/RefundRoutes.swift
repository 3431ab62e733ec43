import EPayment
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /v1/instances/{id}/refund`: an operator's refund of captured money (``FlowRunner/refund(_:amount:reason:)``),
/// behind the same bearer tokens as the other `/v1` routes.
struct RefundRoutes {
    let runtime: ServerRuntime
    let limit: JSONBody.Limit

    func register(on router: RouterGroup<BasicRequestContext>) {
        router.post("instances/:id/refund") { request, context in try await refund(request, context) }
    }

    /// 200 once refunded; 202 when this refund (made now, or the same request repeated) may have taken effect and is
    /// not confirmed (repeat the same request: it is settled by its key first); 422 above what is refundable; 409
    /// while a payment call is in flight (`unconfirmed`) or another operator refund is unsettled (`refundUnsettled`,
    /// nothing sent); 502 when the provider refused it or could not be read.
    private func refund(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let bytes = try await JSONBody.bytes(request, limit: limit)
        let runner = runtime.runner
        let example = #"{"amount": 2500, "reason": "charger fault"}"#
        do {
            // Loads and saves the instance under its lock and calls the provider: on the runner's threads.
            let result = try await runner.onRunnerThreads {
                let body = try JSONBody.object(bytes, example: example)
                let amount = try Self.amount(body["amount"])
                guard let reason = try JSONBody.string(body, "reason", required: true, maximumLength: InputLimits.reason),
                      !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw APIProblem.badRequest("'reason' is required: say why, for the instance's timeline and ledger")
                }
                return try await runner.refund(id, amount: amount, reason: reason)
            }
            return try JSONBody.response(result.refund.isSettled ? .ok : .accepted, RefundReceipt(result, captureWindows: runtime.captureWindows))
        } catch let error as FlowError where error.code == .unconfirmed || error.code == .refundUnsettled {
            throw APIProblem(status: 409, title: "Conflict", detail: error.detail, code: error.code.description)
        } catch let error as EPaymentError {
            throw APIProblem(status: 502, title: "Bad Gateway", detail: "the payment provider: \(error)", code: "paymentProvider")
        }
    }

    /// `amount`: a whole number of minor units above 0, or `"all"`.
    static func amount(_ member: PlainJSON?) throws -> RefundAmount {
        let hint = "'amount' must be a whole number of minor units above 0 (2500 is 25.00 NOK) or \"all\""
        switch member {
        case .integer(let value)? where value > 0: return .minorUnits(value)
        case .string("all")?: return .all
        case nil, .null?: throw APIProblem.badRequest("'amount' is required: \(hint)")
        default: throw APIProblem.badRequest(hint)
        }
    }
}

/// The answer to a refund (`docs/api.yaml`, schema `RefundReceipt`).
struct RefundReceipt: Encodable, Sendable {
    struct Refund: Encodable, Sendable {
        var number: Int
        var idempotencyKey: String
        /// Minor units.
        var amount: Int64
        var currency: String
        var reason: String
        /// `refunded` or `unconfirmed` (a refused refund is a 502 problem, never a receipt).
        var status: String
        var lastError: String?
    }

    var instance: InstanceResource
    var refund: Refund
    /// The request repeated an earlier refund with the same amount and reason (one whose outcome was unknown, or
    /// one already confirmed): nothing new was made.
    var repeated: Bool

    init(_ result: RefundResult, captureWindows: CaptureWindows) {
        let refund = result.refund
        instance = InstanceResource(result.instance, captureWindows: captureWindows)
        self.refund = Refund(number: refund.number, idempotencyKey: refund.idempotencyKey, amount: refund.amount, currency: refund.currency,
                             reason: refund.reason, status: refund.confirmedAt != nil ? "refunded" : "unconfirmed",
                             lastError: refund.lastError)
        repeated = result.repeated
    }
}
