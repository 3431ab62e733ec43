import Synchronization
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Runs one API request through fault injection, the operation itself, and response recording.
///
/// Faults are drawn first. A reset or an injected 429/5xx happens before anything is applied; "response lost"
/// applies the operation and then closes the connection without answering, as a crashed proxy would.
struct OperationResponder: Sendable {
    let simulator: Simulator

    func respond(
        _ operation: SimulatedOperation,
        method: String,
        pathTemplate: String,
        request: Request,
        context: SimulatorRequestContext,
        _ handler: ([UInt8]) throws(Problem) -> WireResponse
    ) async -> Response {
        let arrived = simulator.clock.now
        let path = request.uri.path
        let idempotencyKey = APIRequest.header(request, "Idempotency-Key")
        let (latency, decision) = simulator.faultDecision(for: operation)
        func log(status: Int?) {
            let fault: String? = switch decision {
            case .none: nil
            case .connectionReset: "connectionReset"
            case .tooManyRequests: "tooManyRequests"
            case .serverError: "serverError"
            case .responseLost: "responseLost"
            }
            simulator.record(RecordedRequest(
                operation: operation.rawValue, method: method, path: path, idempotencyKey: idempotencyKey, fault: fault,
                status: status, receivedAt: arrived))
        }
        if latency > 0 { try? await Task.sleep(for: .milliseconds(latency)) }
        var request = request
        let bytes = (try? await request.body.collect(upTo: 1 << 20)).map { Array($0.readableBytesView) } ?? []
        let wire: WireResponse
        switch decision {
        case .connectionReset:
            simulator.logger.debug("fault: connection reset", metadata: ["operation": "\(operation)"])
            log(status: nil)
            await Self.close(context.channel, reset: true)
            return Response(status: .ok)
        case .tooManyRequests(let retryAfter):
            wire = simulator.problemResponse(
                .tooManyRequests(retryAfterSeconds: retryAfter, detail: "Too many requests (fault injection)."), for: operation
            )
        case .serverError:
            wire = simulator.problemResponse(.serverError(status: 500), for: operation)
        case .none, .responseLost:
            do {
                wire = try handler(bytes)
            } catch {
                wire = simulator.problemResponse(error, for: operation)
            }
        }
        if decision == .responseLost {
            simulator.logger.debug(
                "fault: response lost after applying", metadata: ["operation": "\(operation)", "status": "\(wire.status)"]
            )
            log(status: nil)
            await Self.close(context.channel, reset: false)
            return Response(status: .ok)
        }
        log(status: wire.status)
        simulator.record(
            RecordedResponse(
                operation: operation.rawValue, method: method, pathTemplate: pathTemplate, status: wire.status,
                body: String(decoding: wire.body, as: UTF8.self)
            )
        )
        return Self.response(wire)
    }

    static func response(_ wire: WireResponse) -> Response {
        var headers = HTTPFields()
        if !wire.body.isEmpty { headers[.contentType] = wire.contentType }
        for (name, value) in wire.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: wire.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: wire.body))
        )
    }

    /// Closes the connection before any response byte is written; with `reset`, SO_LINGER 0 turns the close into
    /// a TCP RST ("connection reset by peer") instead of an orderly FIN ("empty reply").
    static func close(_ channel: any Channel, reset: Bool) async {
        if reset, let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }
}
