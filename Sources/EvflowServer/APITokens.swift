import Crypto
import EPayment
import Foundation

/// The bearer tokens the API accepts, from `EVFLOW_API_TOKENS` (comma-separated) or a file named by
/// `EVFLOW_API_TOKENS_FILE` (one token per line or comma-separated, mode 0600).
///
/// Tokens are kept only as SHA-256 digests and compared in constant time, so neither a log line nor the timing
/// of a refusal reveals one. Each must have at least ``minimumLength`` characters.
///
/// An entry may name its token, `name=token` (`ops-alice=3f9c…`), so the console can record who repaired an
/// instance; an unnamed token is called by its kind and position (`API token 2`), never by anything derived from
/// the token. A token that itself contains `=` (base64 padding) stays unnamed: only a name of letters, digits,
/// `.`, `_`, `-` and `@` before the first `=`, followed by something other than `=`, makes a named entry.
public struct APITokens: Sendable {
    public static let variable = "EVFLOW_API_TOKENS"
    public static let fileVariable = "EVFLOW_API_TOKENS_FILE"

    /// The shortest token ``fromEnvironment(_:)`` accepts: 32 characters (`openssl rand -hex 32` makes 64), so a
    /// token cannot be guessed online however many requests an attacker sends.
    public static let minimumLength = 32

    private struct Entry: Sendable {
        var name: String
        /// The token's digest and, for a named entry, the whole entry's too: a token set before names existed
        /// that happens to look like `name=token` keeps working.
        var digests: [[UInt8]]
    }

    private let entries: [Entry]

    /// - Parameters:
    ///   - tokens: the accepted tokens, each `token` or `name=token`; empty strings are ignored.
    ///   - kind: what an unnamed token is called, with its position: `API token 1`.
    public init(_ tokens: [String], kind: String = "token") {
        entries = tokens.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.enumerated()
            .map { index, entry in
                let (name, token) = Self.split(entry)
                let accepted = name == nil ? [token] : [token, entry]
                return Entry(name: name ?? "\(kind) \(index + 1)", digests: accepted.map { Array(SHA256.hash(data: Array($0.utf8))) })
            }
    }

    /// How many tokens are accepted.
    public var count: Int { entries.count }

    /// Whether `token` is one of the accepted tokens. Every token is compared, in constant time.
    public func accepts(_ token: String) -> Bool { name(of: token) != nil }

    /// The name of `token` (its `name=` or its kind and position), or `nil` when it is not accepted. Every token is
    /// compared, in constant time.
    package func name(of token: String) -> String? {
        let candidate = Array(SHA256.hash(data: Array(token.utf8)))
        var matched: String?
        for entry in entries {
            for digest in entry.digests {
                var difference: UInt8 = 0
                for (a, b) in zip(digest, candidate) { difference |= a ^ b }
                if difference == 0 && matched == nil { matched = entry.name }
            }
        }
        return matched
    }

    /// `name=token` as its name and token; anything else (a token with base64 padding included) as an unnamed token.
    static func split(_ entry: String) -> (name: String?, token: String) {
        guard let equals = entry.firstIndex(of: "=") else { return (nil, entry) }
        let name = entry[..<equals]
        let token = entry[entry.index(after: equals)...]
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || "._-@".contains(c)) }
        guard !name.isEmpty, name.count <= 64, name.allSatisfy(allowed), token.contains(where: { $0 != "=" }) else { return (nil, entry) }
        return (String(name), String(token))
    }

    /// Reads the tokens from the environment.
    /// - Throws: ``APITokensError`` when the file is unreadable or readable by others, or when no token is set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APITokens {
        guard let tokens = try read(variable: variable, fileVariable: fileVariable, kind: "API token", environment) else {
            throw APITokensError(detail: "no API token: set \(variable) (comma-separated) or \(fileVariable) (a 0600 file); clients send 'Authorization: Bearer <token>'")
        }
        return tokens
    }

    /// `EVFLOW_OPERATOR_TOKENS`: when set, only these tokens may use the routes that move money on an operator's
    /// word (`POST /v1/instances/{id}/cancel` and `/refund`), so a station backend's token, which must sit on
    /// every charger's backend, cannot refund sessions. Operator tokens are accepted on every other `/v1` route too.
    public static let operatorVariable = "EVFLOW_OPERATOR_TOKENS"
    public static let operatorFileVariable = "EVFLOW_OPERATOR_TOKENS_FILE"

    /// Reads ``operatorVariable`` (or ``operatorFileVariable``); `nil` when neither is set, and then the API tokens
    /// may also cancel and refund, as before operator tokens existed.
    /// - Throws: ``APITokensError`` as ``fromEnvironment(_:)`` does.
    public static func operatorTokens(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APITokens? {
        try read(variable: operatorVariable, fileVariable: operatorFileVariable, kind: "operator token", environment)
    }

    /// `EVFLOW_CONSOLE_READONLY_TOKENS`: tokens that may sign in to `/console` and see everything, and change
    /// nothing (no repair form is shown, and every repair is refused). They are not accepted on `/v1`.
    public static let consoleReadOnlyVariable = "EVFLOW_CONSOLE_READONLY_TOKENS"
    public static let consoleReadOnlyFileVariable = "EVFLOW_CONSOLE_READONLY_TOKENS_FILE"

    /// Reads ``consoleReadOnlyVariable`` (or ``consoleReadOnlyFileVariable``); `nil` when neither is set.
    /// - Throws: ``APITokensError`` as ``fromEnvironment(_:)`` does.
    public static func consoleReadOnlyTokens(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APITokens? {
        try read(variable: consoleReadOnlyVariable, fileVariable: consoleReadOnlyFileVariable, kind: "read-only token", environment)
    }

    /// The tokens either set accepts.
    package func union(_ other: APITokens) -> APITokens { APITokens(entries: entries + other.entries) }

    private init(entries: [Entry]) { self.entries = entries }

    private static func read(variable: String, fileVariable: String, kind: String, _ environment: [String: String]) throws -> APITokens? {
        if let path = environment[fileVariable], !path.isEmpty {
            let data: Data
            do {
                data = try OwnerOnlyFile.read(path)
            } catch {
                throw APITokensError(detail: "\(fileVariable)=\(path): \(error.detail)")
            }
            let listed = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "," || $0.isNewline }).map(String.init)
            try checkLengths(listed, source: "\(fileVariable)=\(path)")
            let tokens = APITokens(listed, kind: kind)
            guard tokens.count > 0 else { throw APITokensError(detail: "\(fileVariable)=\(path) holds no token") }
            return tokens
        }
        let listed = (environment[variable] ?? "").split(separator: ",").map(String.init)
        try checkLengths(listed, source: variable)
        let tokens = APITokens(listed, kind: kind)
        return tokens.count > 0 ? tokens : nil
    }
}

extension APITokens {
    /// Refuses a token shorter than ``minimumLength``, naming its position in `source`, never the token.
    static func checkLengths(_ listed: [String], source: String) throws {
        let tokens = listed.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.map { split($0).token }
        for (index, token) in tokens.enumerated() where token.count < minimumLength {
            throw APITokensError(detail: """
                \(source): token \(index + 1) of \(tokens.count) has \(token.count) characters; API tokens need at least \
                \(minimumLength) so they cannot be guessed. Make one with `openssl rand -hex 32`
                """)
        }
    }

    /// `EVFLOW_METRICS_TOKEN`: the bearer token `/metrics` requires, or `nil` when unset (then `/metrics` is open).
    public static let metricsVariable = "EVFLOW_METRICS_TOKEN"

    /// Reads ``metricsVariable``.
    /// - Throws: ``APITokensError`` when it is shorter than ``minimumLength``.
    public static func metricsToken(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Secret? {
        guard let token = environment[metricsVariable]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else { return nil }
        try checkLengths([token], source: metricsVariable)
        return Secret(token)
    }
}

/// The API tokens could not be loaded; the message never contains a token.
public struct APITokensError: Error, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String { detail }
}
