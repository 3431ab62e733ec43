import Synchronization
import Foundation
import Hummingbird

/// The simulator's own endpoints under `/_sim`: the customer, the clock, faults, rate limits and the ledger, for
/// tests in other processes and for demos driven with curl. Not part of the ePayment API.
struct ControlRoutes: Sendable {
    let simulator: Simulator

    func register(on router: Router<SimulatorRequestContext>) {
        router.get("/_sim/health") { _, _ in json(["status": "ok"]) }
        router.get("/_sim/ledger") { _, _ in json(simulator.ledger()) }
        router.get("/_sim/webhooks") { _, _ in json(simulator.webhookDeliveries()) }
        router.post("/_sim/payments/:reference/approve") { request, context in
            customer(request, context) { try simulator.approve(reference: $0, msn: $1) }
        }
        router.post("/_sim/payments/:reference/reject") { request, context in
            customer(request, context) { try simulator.reject(reference: $0, msn: $1) }
        }
        router.get("/_sim/clock") { _, _ in
            json(ClockState(now: simulator.clock.now, manual: simulator.clock.isManual))
        }
        router.post("/_sim/clock/advance") { request, _ in
            guard let text = request.uri.queryParameters.get("seconds"), let seconds = Double(text), seconds >= 0 else {
                return failure(400, "pass ?seconds=N (a non-negative number)")
            }
            do {
                try simulator.advanceClock(by: .milliseconds(Int64(seconds * 1000)))
            } catch {
                return failure(409, "\(error)")
            }
            return json(ClockState(now: simulator.clock.now, manual: true))
        }
        router.get("/_sim/faults") { _, _ in json(simulator.faults) }
        router.put("/_sim/faults") { request, context in
            do {
                let faults = try await request.decode(as: FaultConfiguration.self, context: context)
                if let problem = faults.rules.values.flatMap(\.problems).first { return failure(400, problem) }
                simulator.setFaults(faults)
                return json(simulator.faults)
            } catch {
                return failure(400, "expected {\"rules\": {\"capturePayment\": {\"responseLostRate\": 1, ...}}}: \(error)")
            }
        }
        router.put("/_sim/faults/:operation") { request, context in
            let name = context.parameters.get("operation") ?? ""
            guard name == "*" || SimulatedOperation.all.contains(SimulatedOperation(rawValue: name)) else {
                return failure(404, "unknown operation '\(name)'")
            }
            do {
                let rule = try await request.decode(as: FaultRule.self, context: context)
                if let problem = rule.problems.first { return failure(400, problem) }
                simulator.setFault(rule, for: name == "*" ? nil : SimulatedOperation(rawValue: name))
                return json(simulator.faults)
            } catch {
                return failure(400, "expected a FaultRule object: \(error)")
            }
        }
        router.delete("/_sim/faults") { _, _ in
            simulator.clearFaults()
            return json(simulator.faults)
        }
        router.put("/_sim/rate-limits") { request, _ in
            guard let text = request.uri.queryParameters.get("enabled"), let enabled = Bool(text) else {
                return failure(400, "pass ?enabled=true or ?enabled=false")
            }
            simulator.setRateLimitsEnabled(enabled)
            return json(["enabled": enabled])
        }
        router.get("/_sim/landing") { request, _ in
            let token = request.uri.queryParameters.get("token") ?? ""
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body><h1>epayment-sim landing page</h1><p>token \(token.filter(\.isHexDigit))</p><p>Approve with POST /_sim/payments/{reference}/approve.</p></body></html>"))
            )
        }
    }

    private struct ClockState: Encodable {
        var now: Date
        var manual: Bool
    }

    private func customer(
        _ request: Request, _ context: SimulatorRequestContext, _ action: (String, String?) throws -> Void
    ) -> Response {
        let reference = context.parameters.get("reference") ?? ""
        do {
            try action(reference, request.uri.queryParameters.get("msn"))
        } catch {
            return failure(simulator.payment(reference: reference) == nil ? 404 : 409, "\(error)")
        }
        return json(simulator.payment(reference: reference))
    }

    private func json(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Wire.timestamp(date))
        }
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func failure(_ status: Int, _ message: String) -> Response {
        var response = json(["error": message])
        response.status = HTTPResponse.Status(code: status)
        return response
    }
}
