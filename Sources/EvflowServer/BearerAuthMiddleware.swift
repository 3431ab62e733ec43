import Hummingbird

/// Requires `Authorization: Bearer <token>` with one of the configured tokens. The token is never logged.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: APITokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try Self.authorize(request, tokens: tokens, setting: APITokens.variable)
        return try await next(request, context)
    }

    /// Throws a 401 problem unless `request` carries `Authorization: Bearer <one of tokens>`; `setting` names where
    /// the tokens come from (also for `/metrics`, whose token is `EVFLOW_METRICS_TOKEN`).
    static func authorize(_ request: Request, tokens: APITokens, setting: String) throws {
        guard let header = request.headers[.authorization] else {
            throw APIProblem(status: 401, title: "Unauthorized", detail: "send 'Authorization: Bearer <token>' with a token from \(setting)", code: "unauthorized")
        }
        guard let token = bearerToken(header) else {
            throw APIProblem(status: 401, title: "Unauthorized", detail: "the Authorization header must be 'Bearer <token>'", code: "unauthorized")
        }
        guard tokens.accepts(token) else {
            throw APIProblem(status: 401, title: "Unauthorized", detail: "the bearer token is not accepted", code: "unauthorized")
        }
    }
}

extension BearerAuthMiddleware {
    /// The token of an `Authorization: Bearer <token>` header (the scheme in any case), or `nil` for another form.
    static func bearerToken(_ header: String) -> String? {
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else { return nil }
        return String(header.dropFirst(prefix.count))
    }
}

/// Guards the routes that move money on an operator's word (cancel, refund): with operator tokens configured
/// (`EVFLOW_OPERATOR_TOKENS`), a request authorized by a station backend's API token gets 403. Sits inside
/// ``BearerAuthMiddleware``, so an unknown token has already had its 401.
struct OperatorOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: APITokens?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let tokens {
            let token = request.headers[.authorization].flatMap(BearerAuthMiddleware<Context>.bearerToken)
            guard let token, tokens.accepts(token) else {
                throw APIProblem(
                    status: 403, title: "Forbidden",
                    detail: "cancel, refund, mark-done and resume move or decide the customer's money: send a token from \(APITokens.operatorVariable), not a station backend's API token",
                    code: "operatorTokenRequired")
            }
        }
        return try await next(request, context)
    }
}
