import EvflowServer
import Foundation
import Testing

struct APITokensTests {
    @Test func acceptsOnlyConfiguredTokens() throws {
        let (alpha, beta, gamma) = ("alpha-" + String(repeating: "a", count: 32), "beta-" + String(repeating: "b", count: 32), "gamma-" + String(repeating: "c", count: 32))
        let tokens = try APITokens.fromEnvironment([APITokens.variable: "\(alpha), \(beta),,"])
        #expect(tokens.count == 2)
        #expect(tokens.accepts(alpha))
        #expect(tokens.accepts(beta))
        #expect(!tokens.accepts(gamma))
        #expect(!tokens.accepts(""))
    }

    @Test func refusesAFileReadableByOthers() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "secret-token-1-0123456789abcdef0123456789\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let error = #expect(throws: APITokensError.self) { try APITokens.fromEnvironment([APITokens.fileVariable: path]) }
        #expect(error?.description.contains("0600") == true)
        #expect(error?.description.contains("secret-token-1-0123456789abcdef0123456789") == false)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try APITokens.fromEnvironment([APITokens.fileVariable: path]).accepts("secret-token-1-0123456789abcdef0123456789"))
    }

    @Test func noTokenIsAnError() {
        #expect(throws: APITokensError.self) { try APITokens.fromEnvironment([:]) }
    }
}
