import Crypto
import EPayment
import Foundation

/// The bearer tokens the API accepts, from `EVFLOW_API_TOKENS` (comma-separated) or a file named by
/// `EVFLOW_API_TOKENS_FILE` (one token per line or comma-separated, mode 0600).
///
/// Tokens are kept only as SHA-256 digests and compared in constant time, so neither a log line nor the timing
/// of a refusal reveals one. Each must have at least ``minimumLength`` characters.
public struct APITokens: Sendable {
    public static let variable = "EVFLOW_API_TOKENS"
    public static let fileVariable = "EVFLOW_API_TOKENS_FILE"

    /// The shortest token ``fromEnvironment(_:)`` accepts: 32 characters (`openssl rand -hex 32` makes 64), so a
    /// token cannot be guessed online however many requests an attacker sends.
    public static let minimumLength = 32

    private let digests: [[UInt8]]

    /// - Parameter tokens: the accepted tokens; empty strings are ignored.
    public init(_ tokens: [String]) {
        digests = tokens.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { Array(SHA256.hash(data: Array($0.utf8))) }
    }

    /// How many tokens are accepted.
    public var count: Int { digests.count }

    /// Whether `token` is one of the accepted tokens. Every token is compared, in constant time.
    public func accepts(_ token: String) -> Bool {
        let candidate = Array(SHA256.hash(data: Array(token.utf8)))
        var matched = false
        for digest in digests {
            var difference: UInt8 = 0
            for (a, b) in zip(digest, candidate) { difference |= a ^ b }
            matched = matched || difference == 0
        }
        return matched
    }

    /// Reads the tokens from the environment.
    /// - Throws: ``APITokensError`` when the file is unreadable or readable by others, or when no token is set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APITokens {
        guard let tokens = try read(variable: variable, fileVariable: fileVariable, environment) else {
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
        try read(variable: operatorVariable, fileVariable: operatorFileVariable, environment)
    }

    /// The tokens either set accepts.
    package func union(_ other: APITokens) -> APITokens { APITokens(digests: digests + other.digests) }

    private init(digests: [[UInt8]]) { self.digests = digests }

    private static func read(variable: String, fileVariable: String, _ environment: [String: String]) throws -> APITokens? {
        if let path = environment[fileVariable], !path.isEmpty {
            let data: Data
            do {
                data = try OwnerOnlyFile.read(path)
            } catch {
                throw APITokensError(detail: "\(fileVariable)=\(path): \(error.detail)")
            }
            let listed = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "," || $0.isNewline }).map(String.init)
            try checkLengths(listed, source: "\(fileVariable)=\(path)")
            let tokens = APITokens(listed)
            guard tokens.count > 0 else { throw APITokensError(detail: "\(fileVariable)=\(path) holds no token") }
            return tokens
        }
        let listed = (environment[variable] ?? "").split(separator: ",").map(String.init)
        try checkLengths(listed, source: variable)
        let tokens = APITokens(listed)
        return tokens.count > 0 ? tokens : nil
    }
}

extension APITokens {
    /// Refuses a token shorter than ``minimumLength``, naming its position in `source`, never the token.
    static func checkLengths(_ listed: [String], source: String) throws {
        let tokens = listed.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
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
