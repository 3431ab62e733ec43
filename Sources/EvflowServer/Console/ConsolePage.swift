import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// One rendered console page: the layout's fields (title, who is signed in, the session's CSRF token) around a
/// page's own model, as an HTML response that no cache keeps and no other site may frame or script.
struct ConsolePage {
    var title: String
    var signedIn = false
    var who = ""
    var readOnly = false
    var csrf = ""
    /// The sign-in form's CSRF token (before there is a session).
    var signinCsrf = ""
    /// The sign-in page's refusal.
    var error = "" { didSet { hasError = !error.isEmpty } }
    var hasError = false
    /// The page's model, rendered inside `{{#page}}`.
    var page: Any = false

    init(title: String, session: ConsoleSessions.Session?, page: Any = false) {
        self.title = title
        if let session {
            signedIn = true
            who = session.identity.name
            readOnly = session.identity.rights.readOnly
            csrf = session.csrfToken
        }
        self.page = page
    }

    /// The page rendered with `template`, as a response with `status`.
    func response(_ template: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        let html = ConsoleTemplates.library.render(self, withTemplate: template) ?? "template \(template) is missing"
        var headers = Self.headers
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// No script runs, nothing is fetched from elsewhere, the pages cannot be framed, and nothing is cached.
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// A page that only says something went wrong (403, 404, a bad field), with `status`.
    static func message(_ title: String, _ message: String, status: HTTPResponse.Status, session: ConsoleSessions.Session?) -> Response {
        ConsolePage(title: title, session: session, page: Message(message: message)).response("message", status: status)
    }

    struct Message { var message: String }

    /// 303 to `location`.
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }
}

/// The body of a form post (`application/x-www-form-urlencoded`) or a query string, as fields; a field sent twice
/// keeps its first value.
enum FormFields {
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { continue }
            let value = parts.count > 1 ? decode(parts[1]) ?? "" : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
