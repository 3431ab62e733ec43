import Hummingbird

/// Requires `Authorization: Bearer <token>` with one of the configured tokens. The token is never logged.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: APITokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIProblem(status: 401, title: "Unauthorized", detail: "send 'Authorization: Bearer <token>' with a token from EVFLOW_API_TOKENS", code: "unauthorized")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            throw APIProblem(status: 401, title: "Unauthorized", detail: "the Authorization header must be 'Bearer <token>'", code: "unauthorized")
        }
        guard tokens.accepts(String(header.dropFirst(prefix.count))) else {
            throw APIProblem(status: 401, title: "Unauthorized", detail: "the bearer token is not accepted", code: "unauthorized")
        }
        return try await next(request, context)
    }
}
