import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1`: start instances, read them, send signals and OCPP meter values, cancel. Bearer-token protected (see ``BearerAuthMiddleware``).
///
/// Every route that reads or writes the state folder does so on the runner's threads
/// (``FlowRunner/onRunnerThreads(_:)``), never on the threads that serve HTTP: a read waits on the disk and a
/// write on its fsync, and on the cooperative pool (one thread per core) a few of them would stall every
/// connection.
struct InstanceRoutes {
    let runtime: ServerRuntime
    let limit: JSONBody.Limit

    /// - Parameter operatorOnly: where cancel goes: the routes only operator tokens may use, when there are any.
    func register(on router: RouterGroup<BasicRequestContext>, operatorOnly: RouterGroup<BasicRequestContext>) {
        router.post("flows/:flow/instances") { request, context in try await start(request, context) }
        router.get("instances") { request, _ in try await list(request) }
        router.get("instances/:id") { request, context in try await read(request, context) }
        router.post("instances/:id/signals/:name") { request, context in try await signal(request, context) }
        operatorOnly.post("instances/:id/cancel") { request, context in try await cancel(request, context) }
        router.post("instances/:id/meter-values") { request, context in try await meterValues(request, context) }
    }

    /// The instance; with `?wait=finished` once it has finished or `waitSeconds` (default 10) passed (``FinishWait``).
    private func read(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let runner = runtime.runner
        let wait = try FinishWait.parse(wait: request.uri.queryParameters["wait"].map(String.init),
                                        waitSeconds: request.uri.queryParameters["waitSeconds"].map(String.init))
        let instance: FlowInstance
        if let wait {
            instance = try await runner.waitUntilFinished(id, timeout: wait.timeout).instance
        } else {
            instance = try await runner.onRunnerThreads { try runner.instance(id) }
        }
        return try JSONBody.response(.ok, InstanceResource(instance, captureWindows: runtime.captureWindows))
    }

    /// 201 with the new instance; 200 when the same id was started with the same input; 409 otherwise. With
    /// `wait: payment` the answer comes once the payment exists (with its `redirectUrl`), or 202 when the bound
    /// passes first: the worker creates the payment, this route only waits for its saves.
    private func start(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let flow = try context.parameters.require("flow")
        let bytes = try await JSONBody.bytes(request, limit: limit)
        guard let definition = runtime.catalog.definition(named: flow) else {
            throw APIProblem(status: 404, title: "Not Found", detail: "no flow named '\(flow.prefix(64))'; known flows: \(runtime.catalog.names.joined(separator: ", "))", code: "unknownFlow")
        }
        let runner = runtime.runner
        let query = (wait: request.uri.queryParameters["wait"].map(String.init),
                     waitSeconds: request.uri.queryParameters["waitSeconds"].map(String.init))
        // Parsing and converting the body is CPU work, and the start is fsync'd: on the runner's threads.
        let (started, wait) = try await runner.onRunnerThreads {
            let body = try JSONBody.object(bytes, example: #"{"id": "session-4711", "input": {...}, "wait": "payment"}"#)
            guard let id = try JSONBody.string(body, "id", required: true, maximumLength: InstanceID.maximumLength) else {
                throw APIProblem.badRequest("'id' is required")
            }
            let wait = try StartWait.parse(body: body, query: query)
            let inputs = try definition.inputs(from: try JSONBody.member(body, "input"))
            let started = try runner.start(flow: flow, id: id, inputs: inputs)
            return (started, wait)
        }
        var status: HTTPResponse.Status = started.created ? .created : .ok
        var instance = started.instance
        if let wait {
            let waited = try await runner.wait(for: wait.milestone, after: started, timeout: wait.timeout)
            instance = waited.instance
            if waited.timedOut { status = .accepted }
        }
        var response = try JSONBody.response(status, InstanceResource(instance, captureWindows: runtime.captureWindows))
        response.headers[.location] = "/v1/instances/\(instance.id)"
        return response
    }

    private func list(_ request: Request) async throws -> Response {
        let status = request.uri.queryParameters["status"].map(String.init)
        let flow = request.uri.queryParameters["flow"].map(String.init)
        let known = ["running", "waiting", "failed", "succeeded", "stuck"]
        if let status, !known.contains(status) {
            throw APIProblem.badRequest("status must be one of \(known.joined(separator: ", ")) (got '\(status)')")
        }
        let inspector = runtime.runtime.inspector
        let diagnosis = StuckDiagnosis(grace: 60, now: runtime.clock.now)
        // Reads every instance's outline: on the runner's threads.
        let (all, _) = try await runtime.runner.onRunnerThreads { try inspector.summaries(diagnosis) }
        let selected = all.filter { summary in
            guard summary.status != "corrupt" || status == "stuck" else { return false }
            switch status {
            case nil: return flow == nil || summary.flow == flow
            case "stuck": return summary.stuck != nil && (flow == nil || summary.flow == flow)
            case let wanted?: return summary.status == wanted && (flow == nil || summary.flow == flow)
            }
        }
        return try JSONBody.response(.ok, InstanceList(instances: selected))
    }

    /// 202 once the signal is stored durably; `accepted: false` for a repeat of the same signal id.
    private func signal(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let name = try context.parameters.require("name")
        if name.hasPrefix("$") {
            throw APIProblem(status: 422, title: "Unprocessable Content", detail: "signal names starting with '$' are reserved for the engine (payment updates arrive by webhook)", code: "unknownSignal")
        }
        let bytes = try await JSONBody.bytes(request, limit: limit)
        let runner = runtime.runner
        let catalog = runtime.catalog
        let (signalID, accepted) = try await runner.onRunnerThreads {
            let body = try JSONBody.object(bytes, example: #"{"signalId": "r-17", "data": {"energyWh": 5200}}"#)
            let signalID = try JSONBody.string(body, "signalId", required: false, maximumLength: InputLimits.signalID)
            let definition = try catalog.definition(for: try runner.outline(id).flow)
            let data = try definition.signalData(name, from: try JSONBody.member(body, "data"))
            return (signalID, try runner.signal(instanceID: id, name: name, data: data, signalID: signalID))
        }
        return try JSONBody.response(.accepted, SignalReceipt(instance: id, signal: name, signalId: signalID, accepted: accepted))
    }

    /// 202 once the OCPP message's reading is stored durably as the flow's signal; `accepted: false` for a
    /// forwarded duplicate or (with `ignored`) a 2.0.1 event without an energy sample; 400 naming the field when
    /// the message cannot be billed from.
    private func meterValues(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let bytes = try await JSONBody.bytes(request, limit: limit)
        let runner = runtime.runner
        // Parsing is CPU work and the signal is fsync'd: on the runner's threads.
        let receipt = try await runner.onRunnerThreads {
            guard !bytes.isEmpty else {
                throw APIProblem.badRequest("the body is empty; send the OCPP 1.6 MeterValues or StopTransaction, or 2.0.1 TransactionEvent request as the station sent it")
            }
            guard let text = String(validating: bytes, as: UTF8.self) else { throw APIProblem.badRequest("the body is not UTF-8 JSON") }
            return try runner.meterValues(instanceID: id, json: text)
        }
        return try JSONBody.response(.accepted, receipt)
    }

    /// Ends the flow through its release path; answers with the instance afterwards.
    private func cancel(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let bytes = try await JSONBody.bytes(request, limit: limit)
        let runner = runtime.runner
        // The cancel loads and saves the instance under its lock, and runs its release: on the runner's threads.
        let instance = try await runner.onRunnerThreads {
            let body = try JSONBody.object(bytes, example: #"{"reason": "station fault"}"#)
            guard let reason = try JSONBody.string(body, "reason", required: true, maximumLength: InputLimits.reason), !reason.isEmpty else {
                throw APIProblem.badRequest("'reason' is required: say why, for the instance's history")
            }
            return try await runner.cancel(id, reason: reason)
        }
        return try JSONBody.response(.ok, InstanceResource(instance, captureWindows: runtime.captureWindows))
    }
}

/// The answer to a signal.
struct SignalReceipt: Encodable, Sendable {
    var instance: String
    var signal: String
    var signalId: String?
    /// `false` when a signal with this id had already been received.
    var accepted: Bool
}
