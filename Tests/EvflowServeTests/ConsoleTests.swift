import CurlHTTP
import EvflowServer
import EvflowTestSupport
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `/console` through the router in-process: sign-in and its cookie, CSRF and rights refusals, escaping, paging,
/// and that no token or phone number reaches a page. The real browser drives it over a socket in
/// ConsoleBrowserTests.
struct ConsoleTests {
    static let operatorToken = "console-operator-token-0123456789abcdef"
    static let readOnlyToken = "console-readonly-token-0123456789abcdef"
    static let phone = "4791234567"
    static let secrets = [ServeFixture.token, operatorToken, readOnlyToken, phone]

    /// A router over an empty state folder with a named API token (`station`), a named operator token
    /// (`ops-alice`) and a read-only token; the provider is a closed port, and no worker runs, so started
    /// instances stay `running` at their first step (stuck at once, with no grace).
    static func withConsole(
        operatorTokens: Bool = true, publicURL: PublicURL? = nil, signInDelay: Duration = .milliseconds(1),
        _ body: @Sendable (any TestClientProtocol, EvflowServer) async throws -> Void
    ) async throws {
        try await TemporaryFolder.with("evflow-console") { base in
            let flows = try ShippedFlows.evChargingFolder()
            defer { TemporaryFolder.remove(flows) }
            try await withHTTPClient(logger: .quiet) { http in
                let server = try ServeFixture.makeServer(
                    stateDirectory: base.appending(path: "state"), flows: flows, providerURL: "http://127.0.0.1:9", stationURL: nil,
                    http: http, webhooks: true, publicURL: publicURL,
                    operatorTokens: operatorTokens ? APITokens(["ops-alice=\(operatorToken)"]) : nil,
                    console: .init(apiTokens: APITokens(["station=\(ServeFixture.token)"]), readOnlyTokens: APITokens([readOnlyToken], kind: "read-only token"),
                                   stuckGrace: .zero, signInDelay: signInDelay))
                try await Application(router: server.router()).test(.router) { client in try await body(client, server) }
            }
        }
    }

    static func start(_ client: any TestClientProtocol, _ id: String) async throws {
        let response = try await client.execute(
            uri: "/v1/flows/ev-charging/instances", method: .post,
            headers: [.authorization: "Bearer \(ServeFixture.token)", .contentType: "application/json"],
            body: ByteBuffer(string: ServeFixture.startBody(id)))
        #expect(response.status == .created, "\(String(buffer: response.body))")
    }

    static func expectNoSecrets(_ page: ConsoleBrowser.Page, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets { #expect(!page.html.contains(secret), "a page shows \(secret.prefix(8))…", sourceLocation: sourceLocation) }
    }

    @Test func signingInSetsAStrictHttpOnlyCookieAndSigningOutEndsTheSessionOnTheServer() async throws {
        try await Self.withConsole { client, _ in
            let browser = ConsoleBrowser(client)
            let unsigned = try await browser.get("/console")
            #expect(unsigned.status == .seeOther && unsigned.location == "/console/signin")
            let form = try await browser.get("/console/signin")
            #expect(form.html.contains(#"id="signin""#) && browser.csrfToken != nil, "the sign-in form carries a CSRF token")
            let signedIn = try await browser.post("/console/signin", [("token", Self.operatorToken)])
            #expect(signedIn.status == .seeOther && signedIn.location == "/console")
            let cookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("evflow_console=") })
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] { #expect(cookie.contains(attribute), "\(cookie)") }
            #expect(!cookie.contains("Secure"), "plain http on loopback: no Secure")
            #expect(!cookie.contains(Self.operatorToken))
            let stolen = try #require(browser.cookies["evflow_console"])
            let overview = try await browser.get("/console")
            #expect(overview.status == .ok && overview.html.contains("Overview") && overview.html.contains("ops-alice"))
            #expect(overview.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            Self.expectNoSecrets(overview)
            let out = try await browser.post("/console/signout", [])
            #expect(out.status == .seeOther && out.location == "/console/signin")
            // The old cookie no longer works: the session is gone from the server, not only from the browser.
            let replay = try await client.execute(uri: "/console", method: .get, headers: [.cookie: "evflow_console=\(stolen)"])
            #expect(replay.status == .seeOther)
        }
    }

    @Test func theCookieIsSecureBehindAnHTTPSPublicURL() async throws {
        try await Self.withConsole(publicURL: try PublicURL("https://pay.example.com/evflow")) { client, _ in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(Self.operatorToken)
            let cookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("evflow_console=") })
            #expect(cookie.contains("; Secure"), "\(cookie)")
        }
    }

    @Test func aWrongTokenIsRefusedAndEachFailureWaitsLonger() async throws {
        try await Self.withConsole(signInDelay: .milliseconds(300)) { client, _ in
            let browser = ConsoleBrowser(client)
            try await browser.get("/console/signin")
            let clock = ContinuousClock()
            var waits: [Duration] = []
            for _ in 0..<3 {
                let started = clock.now
                let refused = try await browser.post("/console/signin", [("token", "not-a-token-\(String(repeating: "x", count: 30))")])
                waits.append(clock.now - started)
                #expect(refused.status == .unauthorized && refused.html.contains("not accepted"))
                Self.expectNoSecrets(refused)
            }
            #expect(waits[0] >= .milliseconds(300), "\(waits)")
            #expect(waits[2] >= .milliseconds(900), "the third failure waits three steps: \(waits)")
            #expect(browser.cookies["evflow_console"] == nil)
            let signedIn = try await browser.post("/console/signin", [("token", ServeFixture.token)])
            #expect(signedIn.status == .seeOther, "a right token still signs in")
        }
    }

    @Test func aFormWithoutItsCSRFTokenOrWithAnotherIsRefusedAndChangesNothing() async throws {
        try await Self.withConsole { client, server in
            try await Self.start(client, "session-csrf")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(Self.operatorToken)
            try await browser.get("/console/instances/session-csrf")
            let cancel = [("action", "cancel"), ("reason", "forged")]
            let missing = try await browser.post("/console/instances/session-csrf/confirm", cancel, csrf: false)
            #expect(missing.status == .forbidden && missing.html.contains("CSRF"), "\(missing.html)")
            let wrong = try await browser.post("/console/instances/session-csrf/confirm", cancel + [("csrf", String(repeating: "0", count: 64))], csrf: false)
            #expect(wrong.status == .forbidden)
            let signinWithout = try await ConsoleBrowser(client).post("/console/signin", [("token", Self.operatorToken)], csrf: false)
            #expect(signinWithout.status == .forbidden, "the sign-in form needs its token too")
            let instance = try server.runtime.runner.instance("session-csrf")
            #expect(instance.cancellationRequest == nil && !instance.history.contains { $0.detail?.contains("forged") == true })
        }
    }

    @Test func aReadOnlyTokenSeesEverythingAndChangesNothing() async throws {
        try await Self.withConsole { client, server in
            try await Self.start(client, "session-readonly")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(Self.readOnlyToken)
            let page = try await browser.get("/console/instances/session-readonly")
            #expect(page.status == .ok && page.html.contains("read-only token 1 (read-only)"))
            #expect(page.html.contains("id=\"timeline\"") && page.html.contains("id=\"steps\""))
            for form in ["repair-resume", "repair-retry", "repair-cancel", "repair-refund"] { #expect(!page.html.contains(form), "\(form) shown") }
            Self.expectNoSecrets(page)
            for uri in ["/console/instances/session-readonly/preview", "/console/instances/session-readonly/confirm"] {
                for action in ["cancel", "resume"] {
                    let refused = try await browser.post(uri, [("action", action), ("reason", "just looking")])
                    #expect(refused.status == .forbidden && refused.html.contains("read-only"), "\(uri) \(action): \(refused.status)")
                }
            }
            let instance = try server.runtime.runner.instance("session-readonly")
            #expect(instance.cancellationRequest == nil && !instance.history.contains { $0.event == "operator" })
        }
    }

    @Test func aStationTokenResumesButOnlyAnOperatorTokenCancelsWhenOperatorTokensAreSet() async throws {
        try await Self.withConsole { client, server in
            try await Self.start(client, "session-rights")
            let station = ConsoleBrowser(client)
            try await station.signIn(ServeFixture.token)
            let page = try await station.get("/console/instances/session-rights")
            #expect(page.html.contains("repair-resume") && !page.html.contains("repair-cancel"))
            let refused = try await station.post("/console/instances/session-rights/confirm", [("action", "cancel"), ("reason", "station says so")])
            #expect(refused.status == .forbidden && refused.html.contains(APITokens.operatorVariable))
            #expect(try server.runtime.runner.instance("session-rights").cancellationRequest == nil)
            let operatorBrowser = ConsoleBrowser(client)
            try await operatorBrowser.signIn(Self.operatorToken)
            #expect(try await operatorBrowser.get("/console/instances/session-rights").html.contains("repair-cancel"))
        }
    }

    @Test func aRepairShowsItsDryRunFirstAndIsRecordedWithTheTokensNameAndReason() async throws {
        try await Self.withConsole { client, server in
            try await Self.start(client, "session-audit")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(Self.operatorToken)
            try await browser.get("/console/instances/session-audit")
            let reason = "<script>alert(1)</script> station rebooted"
            let preview = try await browser.post("/console/instances/session-audit/preview", [("action", "resume"), ("reason", reason)])
            #expect(preview.status == .ok && preview.html.contains(#"id="plan""#) && preview.html.contains("create a payment"), "\(preview.html)")
            #expect(!preview.html.contains("<script>alert") && preview.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the reason is escaped")
            #expect(!(try server.runtime.runner.instance("session-audit").history.contains { $0.detail?.contains("console:") == true }),
                    "a preview changes nothing")
            let done = try await browser.post("/console/instances/session-audit/confirm", [("action", "resume"), ("reason", reason)])
            #expect(done.status == .seeOther && done.location == "/console/instances/session-audit")
            let instance = try server.runtime.runner.instance("session-audit")
            #expect(instance.history.contains { $0.event == "operator" && $0.detail == "console: ops-alice: resume: \(reason)" }, "\(instance.history)")
            let page = try await browser.get("/console/instances/session-audit")
            #expect(page.html.contains("console: ops-alice: resume: &lt;script&gt;") && !page.html.contains("<script>"))
            Self.expectNoSecrets(page)
            let missingReason = try await browser.post("/console/instances/session-audit/preview", [("action", "cancel"), ("reason", " ")])
            #expect(missingReason.status == .badRequest && (missingReason.html.contains("&#39;reason&#39;") || missingReason.html.contains("'reason'")))
        }
    }

    @Test func pagesEscapeWhatTheyEchoAndAnUnknownInstanceIsNotFound() async throws {
        try await Self.withConsole { client, _ in
            let browser = ConsoleBrowser(client)
            try await browser.signIn(Self.operatorToken)
            let unknown = try await browser.get("/console/instances/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            #expect(unknown.status == .notFound || unknown.status == .badRequest, "\(unknown.status)")
            #expect(!unknown.html.contains("<script>alert"), "\(unknown.html)")
            let search = try await browser.get("/console/instances?q=%3Cscript%3E")
            #expect(search.status == .ok && !search.html.contains("<script>") && search.html.contains("&lt;script&gt;"))
            let badFilter = try await browser.get("/console/instances?olderThan=soon")
            #expect(badFilter.status == .badRequest && badFilter.html.contains("olderThan"))
        }
    }

    @Test func theListFiltersAndPagesAndTheOverviewPutsStuckInstancesFirst() async throws {
        try await Self.withConsole { client, _ in
            for index in 1...120 { try await Self.start(client, String(format: "page-%03d", index)) }
            let browser = ConsoleBrowser(client)
            try await browser.signIn(Self.operatorToken)
            let first = try await browser.get("/console/instances")
            #expect(first.html.contains("120 matching, page 1 of 3"), "\(first.html.prefix(3000))")
            #expect(first.html.components(separatedBy: "class=\"instance-link\"").count - 1 == 50)
            #expect(first.html.contains("page-120") && !first.html.contains("page-070"), "newest first")
            #expect(first.html.contains(#"id="page-next""#) && !first.html.contains(#"id="page-previous""#))
            let last = try await browser.get("/console/instances?page=3")
            #expect(last.html.components(separatedBy: "class=\"instance-link\"").count - 1 == 20 && last.html.contains("page-001"))
            let one = try await browser.get("/console/instances?q=page-042")
            #expect(one.html.contains("1 matching") && one.html.contains("page-042"))
            let none = try await browser.get("/console/instances?status=succeeded")
            #expect(none.html.contains("0 matching"))
            let overview = try await browser.get("/console")
            #expect(overview.html.contains(#"<strong id="stuck-count">120</strong>"#), "no worker runs them: all stuck")
            #expect(overview.html.contains("running but no worker has held it"))
            #expect(overview.html.contains("All 120 stuck instances"))
            let page = try await browser.get("/console/instances/page-001")
            #expect(page.html.contains("<svg") && page.html.contains(#"id="current-step""#), "the graph marks the current step")
            Self.expectNoSecrets(page)
        }
    }

    @Test func aRepairTheEngineWouldRefuseShowsWhyInsteadOfAConfirmButton() async throws {
        try await Self.withConsole { client, server in
            try await Self.start(client, "session-refused")
            let browser = ConsoleBrowser(client)
            try await browser.signIn(Self.operatorToken)
            try await browser.get("/console/instances/session-refused")
            let retry = try await browser.post("/console/instances/session-refused/preview", [("action", "retry"), ("reason", "try again")])
            #expect(retry.status == .conflict && retry.html.contains(#"id="preview-error""#) && retry.html.contains("not failed"), "\(retry.html)")
            #expect(!retry.html.contains(#"id="confirm""#), "nothing to confirm")
            let refund = try await browser.post("/console/instances/session-refused/preview", [("action", "refund"), ("amount", "all"), ("reason", "goodwill")])
            #expect(refund.status == .conflict && refund.html.contains(#"id="preview-error""#), "\(refund.html)")
            let badAmount = try await browser.post("/console/instances/session-refused/preview", [("action", "refund"), ("amount", "12.50"), ("reason", "goodwill")])
            #expect(badAmount.status == .badRequest && badAmount.html.contains("amount"))
            let cancel = try await browser.post("/console/instances/session-refused/preview", [("action", "cancel"), ("reason", "station fault")])
            #expect(cancel.status == .ok && cancel.html.contains(#"id="confirm""#) && cancel.html.contains("operator.cancelled"), "\(cancel.html)")
            let done = try await browser.post("/console/instances/session-refused/confirm", [("action", "cancel"), ("reason", "station fault")])
            #expect(done.status == .seeOther)
            let instance = try server.runtime.runner.instance("session-refused")
            #expect(instance.status == .failed && instance.history.contains { $0.detail?.contains("console: ops-alice: cancel: station fault") == true },
                    "\(instance.status) \(instance.history.map { $0.detail ?? "" })")
        }
    }
}

/// The two repairs of `evflow mark-done` and `evflow resume --set`, in the console: shown only to a token that may
/// move money, previewed first, and recorded with the token's name.
struct ConsoleCorrectionTests {
    @Test func aCorrectionIsPreviewedThenRecordedWithTheTokensNameAndAMarkDoneWithoutEvidenceIsRefused() async throws {
        try await ConsoleTests.withConsole { client, server in
            try await ConsoleTests.start(client, "session-correct")
            let station = ConsoleBrowser(client)
            try await station.signIn(ServeFixture.token)
            let stationPage = try await station.get("/console/instances/session-correct")
            #expect(!stationPage.html.contains("repair-correct") && !stationPage.html.contains("repair-mark-done"), "a station token cannot change the price")
            let forged = try await station.post("/console/instances/session-correct/confirm",
                                                [("action", "correct"), ("set", "inputs.pricePerKWh=0.01 NOK"), ("reason", "cheaper")])
            #expect(forged.status == .forbidden)

            let browser = ConsoleBrowser(client)
            try await browser.signIn(ConsoleTests.operatorToken)
            let page = try await browser.get("/console/instances/session-correct")
            #expect(page.html.contains(#"id="repair-correct""#) && page.html.contains(#"id="repair-mark-done""#))
            let wrongType = try await browser.post("/console/instances/session-correct/preview",
                                                   [("action", "correct"), ("set", "inputs.pricePerKWh=cheap"), ("reason", "tariff")])
            #expect(wrongType.status != .ok && wrongType.html.contains("pricePerKWh") && !wrongType.html.contains(#"id="confirm""#), "\(wrongType.html)")
            let empty = try await browser.post("/console/instances/session-correct/preview", [("action", "correct"), ("set", " "), ("reason", "tariff")])
            #expect(empty.status == .badRequest && empty.html.contains("set"))

            let fields = [("action", "correct"), ("set", "inputs.pricePerKWh=4.55 NOK"), ("reason", "tariff was wrong")]
            let preview = try await browser.post("/console/instances/session-correct/preview", fields)
            #expect(preview.status == .ok && preview.html.contains(#"id="confirm""#) && preview.html.contains("pricePerKWh"), "\(preview.html)")
            #expect(try server.runtime.runner.instance("session-correct").inputs["pricePerKWh"] == .money(Money(minorUnits: 399, currency: "NOK")),
                    "a preview changes nothing")
            let done = try await browser.post("/console/instances/session-correct/confirm", fields)
            #expect(done.status == .seeOther, "\(done.html)")
            let instance = try server.runtime.runner.instance("session-correct")
            #expect(instance.inputs["pricePerKWh"] == .money(Money(minorUnits: 455, currency: "NOK")))
            #expect(instance.history.contains { $0.event == "operator" && ($0.detail ?? "").contains("ops-alice") && ($0.detail ?? "").contains("pricePerKWh") },
                    "\(instance.history.map { $0.detail ?? "" })")

            let markDone = try await browser.post("/console/instances/session-correct/preview",
                                                  [("action", "mark-done"), ("step", "capture"), ("pspReference", "psp-by-hand"), ("reason", "captured in the portal")])
            #expect(markDone.status != .ok && !markDone.html.contains(#"id="confirm""#), "\(markDone.status) \(markDone.html)")
            let noReference = try await browser.post("/console/instances/session-correct/preview",
                                                     [("action", "mark-done"), ("step", "capture"), ("pspReference", ""), ("reason", "portal")])
            #expect(noReference.status == .badRequest && noReference.html.contains("pspReference"))
        }
    }
}
