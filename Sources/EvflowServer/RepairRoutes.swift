import EPayment
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird

/// The operator's repairs (operator tokens only, as cancel and refund):
/// - `POST /v1/instances/{id}/mark-done`: a capture or cancel done by hand accepted as a step's outcome, after the
///   provider's event log confirms it (``FlowRunner/markDone(_:step:pspReference:reason:by:)``);
/// - `POST /v1/instances/{id}/resume`: runs the instance now, after correcting inputs or variables (`set`), refused
///   once money depending on them moved (``FlowRunner/resume(_:setting:reason:by:)``).
///
/// Both take `"dryRun": true` for a preview that changes nothing. Who did it is recorded as the name of the token
/// the request was authorized by (`ops-alice=…` in `EVFLOW_OPERATOR_TOKENS`, or `operator token 2` for an unnamed
/// one), never the token itself.
struct RepairRoutes {
    let runtime: ServerRuntime
    let limit: JSONBody.Limit
    /// The tokens whose names the timeline records: the operator tokens, then the API tokens.
    let tokens: APITokens

    /// Who the timeline names for a request: its bearer token's name (`api` when it has none, which the bearer
    /// middleware in front of these routes does not let through).
    func actor(_ request: Request) -> String {
        request.headers[.authorization].flatMap { BearerAuthMiddleware<BasicRequestContext>.bearerToken($0) }.flatMap { tokens.name(of: $0) } ?? "api"
    }

    func register(on router: RouterGroup<BasicRequestContext>) {
        router.post("instances/:id/mark-done") { request, context in try await markDone(request, context) }
        router.post("instances/:id/resume") { request, context in try await resume(request, context) }
    }

    /// 200 accepted (or the preview); 422 refused (no such step or event, another kind or amount); 409 when the
    /// step's own call took effect or may still land (`alreadyApplied`, `unconfirmed`); 502 when the provider cannot
    /// be read.
    private func markDone(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let bytes = try await JSONBody.bytes(request, limit: limit)
        let runner = runtime.runner
        let actor = actor(request)
        let example = #"{"step": "capture", "pspReference": "7f3c…", "reason": "captured in the portal, ticket 88"}"#
        let windows = runtime.captureWindows
        return try await Self.mapping {
            try await runner.onRunnerThreads {
                let body = try JSONBody.object(bytes, example: example)
                let step = try Self.required(body, "step", limit: InputLimits.signalName)
                let pspReference = try Self.required(body, "pspReference", limit: InputLimits.signalID)
                let reason = try Self.required(body, "reason", limit: InputLimits.reason)
                if try Self.dryRun(body) {
                    let plan = try await runner.markDonePlan(id, step: step, pspReference: pspReference, reason: reason, by: actor)
                    return try JSONBody.response(.ok, MarkDoneAnswer(instance: nil, evidence: plan.evidence, plan: plan.summary, next: plan.next))
                }
                let instance = try await runner.markDone(id, step: step, pspReference: pspReference, reason: reason, by: actor)
                return try JSONBody.response(.ok, MarkDoneAnswer(
                    instance: InstanceResource(instance, captureWindows: windows),
                    evidence: instance.steps.last { $0.step == step }?.manualCompletion, plan: nil, next: nil))
            }
        }
    }

    /// 200 with the instance after its run (or the preview); 422 for a bad `set` (naming the field); 409 once money
    /// depending on a value moved, or for an ended instance.
    private func resume(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let bytes = try await JSONBody.bytes(request, limit: limit)
        let runner = runtime.runner
        let actor = actor(request)
        let catalog = runtime.catalog
        let example = #"{"set": {"inputs.pricePerKWh": "4.55 NOK"}, "reason": "tariff was wrong, ticket 12"}"#
        let windows = runtime.captureWindows
        return try await Self.mapping {
            try await runner.onRunnerThreads {
                let body = try JSONBody.object(bytes, example: example)
                let set = try JSONBody.member(body, "set")
                let reason = try JSONBody.string(body, "reason", required: !set.isEmpty, maximumLength: InputLimits.reason)
                var corrections: [ValueCorrection] = []
                if !set.isEmpty {
                    let definition = try catalog.definition(for: try runner.instance(id).flow)
                    corrections = try set.sorted { $0.key < $1.key }.map { try ValueCorrection.make($0.key, json: $0.value, for: definition, instanceID: id) }
                }
                if try Self.dryRun(body) {
                    let plan = try corrections.isEmpty ? runner.resumePlan(id) : runner.resumePlan(id, setting: corrections, reason: reason, by: actor)
                    return try JSONBody.response(.ok, ["id": id, "plan": plan])
                }
                let instance = try await runner.resume(id, setting: corrections, reason: reason, by: actor)
                return try JSONBody.response(.ok, InstanceResource(instance, captureWindows: windows))
            }
        }
    }

    private static func required(_ body: [String: PlainJSON], _ key: String, limit: Int) throws -> String {
        guard let text = try JSONBody.string(body, key, required: true, maximumLength: limit),
              !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIProblem.badRequest("'\(key)' is required (a non-empty string)")
        }
        return text
    }

    private static func dryRun(_ body: [String: PlainJSON]) throws -> Bool {
        switch body["dryRun"] {
        case nil, .null?: return false
        case .boolean(let value)?: return value
        default: throw APIProblem.badRequest("'dryRun' must be true or false")
        }
    }

    /// The refusals that are conflicts with the instance's state as 409, the provider's failures as 502.
    private static func mapping(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as FlowError where error.code == .alreadyApplied || error.code == .unconfirmed {
            throw APIProblem(status: 409, title: "Conflict", detail: error.detail, code: error.code.description)
        } catch let error as EPaymentError {
            throw APIProblem(status: 502, title: "Bad Gateway", detail: "the payment provider: \(error)", code: "paymentProvider")
        }
    }
}

/// The answer to a mark-done (`docs/api.yaml`, schema `MarkDoneAnswer`).
struct MarkDoneAnswer: Encodable, Sendable {
    /// The instance after it ran on; absent for a preview.
    var instance: InstanceResource?
    /// The provider event accepted (or, for a preview, that would be).
    var evidence: ManualCompletion?
    /// A preview's summary in words.
    var plan: String?
    /// A preview's next step.
    var next: String?
}
