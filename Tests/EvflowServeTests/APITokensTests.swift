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

    @Test func aNamedEntryIsKnownByItsNameAndAnUnnamedOneByItsKindAndPosition() throws {
        let alice = String(repeating: "a", count: 40)
        let plain = String(repeating: "p", count: 40)
        let tokens = try APITokens.fromEnvironment([APITokens.variable: "ops-alice=\(alice),\(plain)"])
        #expect(tokens.name(of: alice) == "ops-alice")
        #expect(tokens.name(of: "ops-alice=\(alice)") == "ops-alice", "the whole entry, as a token set before names existed, still works")
        #expect(tokens.name(of: plain) == "API token 2")
        #expect(tokens.name(of: "ops-alice") == nil && tokens.name(of: "") == nil)
        let readOnly = try #require(try APITokens.consoleReadOnlyTokens([APITokens.consoleReadOnlyVariable: plain]))
        #expect(readOnly.name(of: plain) == "read-only token 1")
        #expect(try APITokens.consoleReadOnlyTokens([:]) == nil)
    }

    @Test func aBase64TokenWithPaddingStaysOneUnnamedToken() throws {
        let padded = String(repeating: "QUJD", count: 10) + "ZA=="
        let tokens = try APITokens.fromEnvironment([APITokens.variable: padded])
        #expect(tokens.name(of: padded) == "API token 1")
        #expect(!tokens.accepts("=") && !tokens.accepts("ZA=="))
    }

    @Test func aNamedEntryWithAShortTokenIsRefusedWithoutShowingIt() {
        let error = #expect(throws: APITokensError.self) { try APITokens.fromEnvironment([APITokens.variable: "ops=short-secret"]) }
        #expect(error?.description.contains("short-secret") == false)
        #expect(error?.description.contains("32") == true)
    }
}
