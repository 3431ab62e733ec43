import EPayment
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// An error answered as `application/problem+json` (RFC 9457): a status, a short title and a detail that says
/// what to do.
struct APIProblem: Error, Sendable, Encodable {
    var status: Int
    var title: String
    var detail: String
    /// A stable machine-readable code, for example `conflictingStart`.
    var code: String?
    /// Individual problems, for invalid inputs.
    var problems: [String]?
    /// The JSON path of the request field that is wrong, where one is (OCPP meter values).
    var field: String?

    init(status: Int, title: String, detail: String, code: String? = nil, problems: [String]? = nil, field: String? = nil) {
        self.status = status
        // Never empty (docs/api.yaml): a caller's empty title becomes the status's reason phrase.
        self.title = title.isEmpty ? Self.title(status) : title
        self.detail = detail
        self.code = code
        self.problems = problems
        self.field = field
    }

    static func badRequest(_ detail: String, problems: [String]? = nil) -> APIProblem {
        APIProblem(status: 400, title: "Bad Request", detail: detail, code: "badRequest", problems: problems)
    }

    /// The problem for an engine error, with the status a client can act on.
    ///
    /// A malformed instance id is 400 on every route, like every other malformed request: the id is syntax (in the
    /// path, or the start's body), while 422 means a well-formed request the flow refuses (its inputs, a signal it
    /// does not declare).
    init(_ error: FlowError) {
        // The named statuses carry their reason phrase; `Status(code:)` has an empty one (the title was blank).
        let status: HTTPResponse.Status
        switch error.code {
        case .invalidInstanceID: status = .badRequest
        case .unknownFlow, .unknownInstance: status = .notFound
        case .invalidInput, .unknownSignal, .invalidSignal: status = .unprocessableContent
        case .conflictingStart, .finished, .refundUnsettled: status = .conflict
        case .locked: status = .serviceUnavailable
        default: status = .internalServerError
        }
        self.init(status: Int(status.code), title: status.reasonPhrase, detail: error.detail, code: error.code.description)
    }

    /// The status's reason phrase, for a problem whose status arrives as a number (Hummingbird's errors, a caller's
    /// empty title): `HTTPResponse.Status(code:)` has an empty one, and every problem needs a title.
    static func title(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default:
            switch status {
            case 400..<500: "Client Error"
            case 500..<600: "Server Error"
            default: "Error"
            }
        }
    }

    init(_ error: InputValidationError) {
        self.init(status: 422, title: "Unprocessable Content", detail: error.problems.joined(separator: "; "),
                  code: "invalidInput", problems: error.problems)
    }

    /// Any error thrown by a route, as a problem.
    static func from(_ error: any Error) -> APIProblem {
        switch error {
        case let problem as APIProblem: return problem
        case let error as FlowError: return APIProblem(error)
        case let error as InputValidationError: return APIProblem(error)
        case let error as MeterValuesError:
            return APIProblem(status: 400, title: "Bad Request", detail: "\(error.field): \(error.detail)", code: "meterValues.\(error.code)", field: error.field)
        case let error as StoreError:
            return APIProblem(status: 500, title: "Internal Server Error", detail: "the state folder failed: \(error.detail)", code: "store.\(error.code)")
        case let error as any HTTPResponseError where !(error is HTTPError):
            let status = Int(error.status.code)
            return APIProblem(status: status, title: title(status), detail: status == 413 ? "the request body is too large" : "\(error)")
        case let error as HTTPError:
            let status = Int(error.status.code)
            let detail: String
            switch status {
            case 404: detail = "no such route; see docs/api.yaml"
            case 405: detail = "method not allowed on this route; see docs/api.yaml"
            case 413: detail = "the request body is too large"
            default: detail = error.body ?? title(status)
            }
            return APIProblem(status: status, title: title(status), detail: detail)
        default:
            return APIProblem(status: 500, title: "Internal Server Error", detail: "unexpected error: \(error)")
        }
    }

    var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(self)) ?? Data("{\"status\":\(status)}".utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"evflow\"" }
        // A late body may still be arriving: the connection cannot carry another request (ConnectionGuard closes it).
        if status == 408 { headers[.connection] = "close" }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Turns every error a route throws (and unknown routes) into problem+json.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = APIProblem.from(error)
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(problem.detail)"])
            }
            return problem.response
        }
    }
}
