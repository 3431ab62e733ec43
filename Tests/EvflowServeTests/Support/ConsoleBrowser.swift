import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A minimal form-posting client for `/console` through the router: keeps the cookies the server sets, reads the
/// CSRF token out of the last page, and posts forms as a browser would (`application/x-www-form-urlencoded`).
final class ConsoleBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    private(set) var cookies: [String: String] = [:]
    private(set) var lastPage = ""
    private(set) var lastSetCookies: [String] = []

    init(_ client: any TestClientProtocol) { self.client = client }

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var html: String
        var location: String? { headers[.location] }
    }

    @discardableResult
    func get(_ uri: String) async throws -> Page {
        try await send(uri, method: .get, body: nil)
    }

    /// Posts `fields`; `csrf: true` adds the CSRF token of the last page (as the page's form would).
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], csrf: Bool = true) async throws -> Page {
        var fields = fields
        if csrf, let token = csrfToken { fields.append(("csrf", token)) }
        return try await send(uri, method: .post, body: Self.encode(fields))
    }

    /// The CSRF token in the last page's forms.
    var csrfToken: String? {
        guard let range = lastPage.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) else { return nil }
        return String(lastPage[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }

    /// Opens the sign-in page and signs in with `token`; returns the answer to the sign-in post.
    @discardableResult
    func signIn(_ token: String) async throws -> Page {
        try await get("/console/signin")
        return try await post("/console/signin", [("token", token)])
    }

    private func send(_ uri: String, method: HTTPRequest.Method, body: String?) async throws -> Page {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        lastSetCookies = response.headers[values: .setCookie]
        for cookie in lastSetCookies {
            let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || cookie.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let html = String(buffer: response.body)
        lastPage = html
        return Page(status: response.status, headers: response.headers, html: html)
    }

    static func encode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}
