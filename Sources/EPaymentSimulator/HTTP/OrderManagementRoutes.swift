import Foundation
import Hummingbird

/// The Order Management API's receipt endpoint (order-management-openapi.yaml `post-receipt-v2`), authenticated
/// like the ePayment API (access token, subscription key, MSN) and answering errors in its own `ErrorResponse`
/// shape with `invalidParams` naming each field.
struct OrderManagementRoutes: Sendable {
    let simulator: Simulator
    var responder: OperationResponder { OperationResponder(simulator: simulator) }

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("/order-management/v2/:paymentType/receipts/:orderId") { request, context in
            await responder.respond(
                .postReceipt, method: "POST", pathTemplate: "/v2/{paymentType}/receipts/{orderId}", request: request, context: context
            ) { bytes in
                do throws(Problem) {
                    // The receipt carries no Idempotency-Key: the order id is its identity.
                    let api = try APIRequest.parse(request, body: bytes, simulator: simulator, requiresIdempotencyKey: false)
                    let orderID = try Self.pathParameters(context)
                    let receipt = try ReceiptRequestValidator.validate(api.body)
                    return try simulator.postReceipt(msn: api.msn, orderID: orderID, receipt: receipt, fingerprint: api.fingerprint)
                } catch {
                    return simulator.orderManagementProblemResponse(error)
                }
            }
        }
    }

    /// The spec's `paymentType` (`ECOM` for ePayment payments; the live API's paths use `ecom`, so case does not
    /// matter) and `orderId` (`^[0-9A-Za-z-_\.]+$`).
    private static func pathParameters(_ context: SimulatorRequestContext) throws(Problem) -> String {
        var check = FieldValidator()
        let type = context.parameters.get("paymentType") ?? ""
        if type.uppercased() != "ECOM" {
            check.fail("paymentType", type.uppercased() == "RECURRING"
                       ? "The simulator has no Recurring API agreements; use ecom for ePayment payments."
                       : "Must be one of ECOM, RECURRING, got '\(type)'.")
        }
        let orderID = check.string(.string(context.parameters.get("orderId") ?? ""), "orderId", required: true, pattern: #"^[0-9A-Za-z\-_\.]+$"#)
        try check.finish()
        return orderID ?? ""
    }
}
