import Crypto
import EPayment
import Foundation

/// The bearer tokens the API accepts, from `EVFLOW_API_TOKENS` (comma-separated) or a file named by
/// `EVFLOW_API_TOKENS_FILE` (one token per line or comma-separated, mode 0600).
///
/// Tokens are kept only as SHA-256 digests and compared in constant time, so neither a log line nor the timing
/// of a refusal reveals one.
public struct APITokens: Sendable {
    public static let variable = "EVFLOW_API_TOKENS"
    public static let fileVariable = "EVFLOW_API_TOKENS_FILE"

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
        if let path = environment[fileVariable], !path.isEmpty {
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try FileManager.default.attributesOfItem(atPath: path)
            } catch {
                throw APITokensError(detail: "\(fileVariable)=\(path): cannot read the file")
            }
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
            guard mode & 0o077 == 0 else {
                throw APITokensError(detail: "\(fileVariable)=\(path) has mode \(String(mode, radix: 8)); it holds secrets, so it must be 0600 (chmod 600 \(path))")
            }
            guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw APITokensError(detail: "\(fileVariable)=\(path): cannot read the file")
            }
            let tokens = APITokens(text.split(whereSeparator: { $0 == "," || $0.isNewline }).map(String.init))
            guard tokens.count > 0 else { throw APITokensError(detail: "\(fileVariable)=\(path) holds no token") }
            return tokens
        }
        let tokens = APITokens((environment[variable] ?? "").split(separator: ",").map(String.init))
        guard tokens.count > 0 else {
            throw APITokensError(detail: "no API token: set \(variable) (comma-separated) or \(fileVariable) (a 0600 file); clients send 'Authorization: Bearer <token>'")
        }
        return tokens
    }
}

/// The API tokens could not be loaded; the message never contains a token.
public struct APITokensError: Error, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String { detail }
}
