import Hummingbird

/// Answers what no route handles (an unknown path or method) with problem+json, as the real API's gateway does,
/// instead of Hummingbird's empty 404: a client reads every error the same way.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext
    let simulator: Simulator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let status = Int(error.status.code)
            let detail = status == 404
                ? "No route for \(request.method) \(request.uri.path); the simulator serves /accesstoken/get, /epayment/v1/..., /webhooks/v1/webhooks and /_sim/..."
                : error.body ?? "The request could not be served."
            let problem = Problem(status: status, title: error.status.reasonPhrase, detail: detail, extraDetails: nil)
            return OperationResponder.response(simulator.problemResponse(problem, for: .unknownRoute))
        }
    }
}
