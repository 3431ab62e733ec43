import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird

/// `/console`: the operator console, server-rendered HTML (``ConsoleTemplates``) over the same engine values the
/// CLI prints. Signing in with a token starts a server-side session (``ConsoleSessions``) held in an HttpOnly,
/// SameSite=Strict cookie; every form carries the session's CSRF token; a read-only session sees everything and
/// changes nothing. Repairs show their dry run first and act only on the confirmation (``ConsoleRepairs``).
///
/// Reads and repairs run on the runner's threads, as the JSON routes do.
struct ConsoleRoutes: Sendable {
    let runtime: ServerRuntime
    let access: ConsoleAccess
    let sessions: ConsoleSessions
    let throttle: SignInThrottle
    /// `Secure` on the cookies: the console is reached over https (`EVFLOW_PUBLIC_URL`).
    let secureCookies: Bool
    /// How late a timer may be before the instance counts as stuck.
    let grace: Duration
    let limit: JSONBody.Limit

    static let sessionCookie = "evflow_console"
    static let signinCookie = "evflow_console_signin"

    var repairs: ConsoleRepairs { ConsoleRepairs(runtime: runtime) }

    func register(on router: Router<BasicRequestContext>) {
        router.get("console") { request, _ in try await page(request) { session in try await overview(session) } }
        router.get("console/signin") { request, _ in signinForm(request) }
        router.post("console/signin") { request, _ in try await signin(request) }
        router.post("console/signout") { request, _ in try await signout(request) }
        router.get("console/instances") { request, _ in try await page(request) { session in try await list(request, session) } }
        router.get("console/instances/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { session in try await instance(id, session) }
        }
        router.post("console/instances/:id/preview") { request, context in
            let id = try context.parameters.require("id")
            return try await form(request) { session, fields in try await preview(id, fields, session) }
        }
        router.post("console/instances/:id/confirm") { request, context in
            let id = try context.parameters.require("id")
            return try await form(request) { session, fields in try await confirm(id, fields, session) }
        }
    }

    // MARK: Sessions

    private func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    private func currentSession(_ request: Request) -> (id: String, session: ConsoleSessions.Session)? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty,
              let session = sessions.session(id, now: runtime.clock.now) else { return nil }
        return (id, session)
    }

    /// A GET page: signed-in sessions only, others go to the sign-in form.
    private func page(_ request: Request, _ body: (ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        guard let (_, session) = currentSession(request) else { return ConsolePage.redirect("/console/signin") }
        return try await body(session)
    }

    /// A form post: a signed-in session and its CSRF token, or 403.
    private func form(_ request: Request, _ body: (ConsoleSessions.Session, [String: String]) async throws -> Response) async throws -> Response {
        let fields = FormFields.parse(String(decoding: try await JSONBody.bytes(request, limit: limit), as: UTF8.self))
        guard let (_, session) = currentSession(request) else {
            return ConsolePage.message("Signed out", "Your session has ended; sign in again.", status: .forbidden, session: nil)
        }
        guard let sent = fields["csrf"], ConsoleSessions.constantTimeEqual(sent, session.csrfToken) else {
            return ConsolePage.message("Refused", "The form's CSRF token is missing or wrong, so nothing was changed. Reload the page and submit the form again.", status: .forbidden, session: session)
        }
        return try await body(session, fields)
    }

    private func signinForm(_ request: Request, error: String = "", status: HTTPResponse.Status = .ok) -> Response {
        if error.isEmpty, currentSession(request) != nil { return ConsolePage.redirect("/console") }
        let token = request.cookies[Self.signinCookie]?.value.nilIfEmpty ?? ConsoleSessions.randomToken()
        var page = ConsolePage(title: "Sign in", session: nil)
        page.signinCsrf = token
        page.error = error
        return page.response("signin", status: status, cookies: [cookie(Self.signinCookie, token, maxAge: 3600)])
    }

    private func signin(_ request: Request) async throws -> Response {
        let fields = FormFields.parse(String(decoding: try await JSONBody.bytes(request, limit: limit), as: UTF8.self))
        guard let expected = request.cookies[Self.signinCookie]?.value, !expected.isEmpty, let sent = fields["csrf"],
              ConsoleSessions.constantTimeEqual(sent, expected) else {
            return ConsolePage.message("Refused", "The sign-in form's CSRF token is missing or wrong. Open the sign-in page again.", status: .forbidden, session: nil)
        }
        let token = (fields["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let identity = access.identity(for: token) else {
            try await Task.sleep(for: throttle.failed(at: runtime.clock.now))
            return signinForm(request, error: "That token is not accepted. Use an API token (EVFLOW_API_TOKENS), an operator token or a read-only console token.", status: .unauthorized)
        }
        let id = sessions.start(identity, now: runtime.clock.now)
        return ConsolePage.redirect("/console", cookies: [
            cookie(Self.sessionCookie, id, maxAge: Int(sessions.idleLifetime)), cookie(Self.signinCookie, "", maxAge: 0),
        ])
    }

    private func signout(_ request: Request) async throws -> Response {
        try await form(request) { _, _ in
            if let (id, _) = currentSession(request) { sessions.end(id) }
            return ConsolePage.redirect("/console/signin", cookies: [cookie(Self.sessionCookie, "", maxAge: 0)])
        }
    }

    // MARK: Pages

    private func summaries() async throws -> (summaries: [InstanceSummary], unreadable: [String: String], now: Date) {
        let inspector = runtime.runtime.inspector
        let now = runtime.clock.now
        let diagnosis = StuckDiagnosis(grace: TimeInterval(grace.components.seconds), now: now)
        let (summaries, unreadable) = try await runtime.runner.onRunnerThreads { try inspector.summaries(diagnosis) }
        return (summaries, unreadable, now)
    }

    private func overview(_ session: ConsoleSessions.Session) async throws -> Response {
        let (summaries, unreadable, now) = try await summaries()
        let overview = ConsoleOverview(summaries: summaries, unreadable: unreadable.count,
                                       nearCaptureDeadline: runtime.captureDeadlines.nearDeadline(at: now), now: now)
        return ConsolePage(title: "Overview", session: session, page: overview).response("overview")
    }

    private func list(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let filter: ConsoleInstanceList.Filter
        do {
            filter = try ConsoleInstanceList.Filter(FormFields.parse(request.uri.query ?? ""))
        } catch {
            return ConsolePage.message("Bad filter", error.description, status: .badRequest, session: session)
        }
        let (summaries, _, now) = try await summaries()
        let list = ConsoleInstanceList(summaries: summaries, filter: filter, flows: runtime.catalog.names, now: now)
        return ConsolePage(title: "Instances", session: session, page: list).response("list")
    }

    private func instance(_ id: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let runner = runtime.runner
        let inspector = runtime.runtime.inspector
        let catalog = runtime.catalog
        let windows = runtime.captureWindows
        let now = runtime.clock.now
        let diagnosis = StuckDiagnosis(grace: TimeInterval(grace.components.seconds), now: now)
        let rights = session.identity.rights
        let page: ConsoleInstancePage
        do {
            page = try await runner.onRunnerThreads {
                let instance = try runner.instance(id)
                let summary = InstanceSummary(instance, stuck: inspector.stuckReason(instance, diagnosis))
                return ConsoleInstancePage(
                    instance: instance, summary: summary, definition: try? catalog.definition(for: instance.flow),
                    next: (try? runner.nextSideEffect(id)) ?? "unknown (the pinned definition cannot be loaded)",
                    inbox: inspector.inbox(id),
                    captureDeadline: instance.payment.flatMap { windows.deadline(of: $0, startedAt: instance.createdAt) },
                    rights: rights, now: now)
            }
        } catch let error as FlowError where error.code == .unknownInstance || error.code == .invalidInstanceID {
            return ConsolePage.message("Not found", error.detail, status: .notFound, session: session)
        }
        return ConsolePage(title: id, session: session, page: page).response("instance")
    }

    // MARK: Repairs

    struct Preview {
        var id: String
        var instanceHref: String
        var actionTitle: String
        var actionWord: String
        var plan: String
        var audit: String
        var refused: String
        var isRefused = false
        var fields: [Field]
        var danger: Bool

        struct Field { var name: String; var value: String }
    }

    /// Parses the repair and checks the session may make it; a response when it may not.
    private func authorized(_ fields: [String: String], _ session: ConsoleSessions.Session) -> Result<ConsoleRepair, ConsoleRefusal> {
        let repair: ConsoleRepair
        do {
            repair = try ConsoleRepair(form: fields)
        } catch {
            return .failure(ConsoleRefusal(response: ConsolePage.message("Check the form", error.description, status: .badRequest, session: session)))
        }
        guard session.identity.rights.allows(repair.action, rerunningMoneyStep: repair.rerunCompleted) else {
            let why = session.identity.rights.readOnly
                ? "\(session.identity.name) is a read-only console token: it can look, and change nothing."
                : "\(repair.action.rawValue) moves the customer's money: sign in with a token from \(APITokens.operatorVariable)."
            return .failure(ConsoleRefusal(response: ConsolePage.message("Not allowed", why, status: .forbidden, session: session)))
        }
        return .success(repair)
    }

    private func preview(_ id: String, _ fields: [String: String], _ session: ConsoleSessions.Session) async throws -> Response {
        let repair: ConsoleRepair
        switch authorized(fields, session) {
        case .success(let parsed): repair = parsed
        case .failure(let refusal): return refusal.response
        }
        var page = Preview(id: id, instanceHref: "/console/instances/" + ConsoleURL.pathComponent(id), actionTitle: repair.action.title,
                           actionWord: repair.action.rawValue, plan: "", audit: ConsoleRepairs.auditText(repair, by: session.identity),
                           refused: "", isRefused: false, fields: repair.formFields.map { Preview.Field(name: $0.name, value: $0.value) },
                           danger: repair.action.movesMoney)
        do {
            page.plan = try await repairs.preview(repair, instance: id, by: session.identity)
        } catch {
            page.refused = "\(repair.action.title) is not possible now: \(error)"
            page.isRefused = true
        }
        return ConsolePage(title: "\(repair.action.title) \(id)", session: session, page: page).response("preview", status: page.refused.isEmpty ? .ok : .conflict)
    }

    private func confirm(_ id: String, _ fields: [String: String], _ session: ConsoleSessions.Session) async throws -> Response {
        let repair: ConsoleRepair
        switch authorized(fields, session) {
        case .success(let parsed): repair = parsed
        case .failure(let refusal): return refusal.response
        }
        do {
            _ = try await repairs.perform(repair, instance: id, by: session.identity)
        } catch {
            return ConsolePage.message("\(repair.action.title) failed", "\(error)", status: .conflict, session: session)
        }
        return ConsolePage.redirect("/console/instances/" + ConsoleURL.pathComponent(id))
    }
}

/// A repair the console refuses before calling the runner, with the page that says why.
struct ConsoleRefusal: Error {
    var response: Response
}

fileprivate extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
