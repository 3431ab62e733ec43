import EPayment
import EvflowTestSupport
import Foundation
import Logging
import Testing

@testable import EvflowServer

/// The receiver's secret file, rewritten by `evflow webhooks register` while `serve` runs.
struct WebhookSecretsTests {
    static let body = Array(#"{"msn":"123456"}"#.utf8)

    static func check(_ secrets: WebhookSecrets, signedWith secret: String, at date: Date) -> Bool {
        let signature = WebhookSigner(secret: Secret(secret)).sign(body: body, pathAndQuery: "/webhooks/epayment", host: "evflow.test", date: date)
        let headers = Dictionary(uniqueKeysWithValues: signature.headers.map { ($0.name.lowercased(), $0.value) })
        do {
            try secrets.verify(body: body, pathAndQuery: "/webhooks/epayment", host: "evflow.test", now: date) { headers[$0.lowercased()] }
            return true
        } catch {
            return false
        }
    }

    /// Replaces `path` with a new file (a new inode, as the CLI's rename into place makes), with `mode`.
    static func write(_ secret: String, to path: String, mode: Int = 0o600) throws {
        let temporary = path + ".new"
        try Data((secret + "\n").utf8).write(to: URL(filePath: temporary))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    @Test func aRewrittenFileIsPickedUpAndThePreviousSecretStaysValidForAWhile() throws {
        try TemporaryFolder.with("webhook-secrets") { folder in
            let path = folder.appending(path: "webhook-secret").path
            try Self.write("first-secret", to: path)
            let secrets = WebhookSecrets(secret: Secret("first-secret"), file: path, allowedClockSkew: .seconds(300))
            let logger = Logger(label: "test")
            let now = Date()
            #expect(Self.check(secrets, signedWith: "first-secret", at: now))
            #expect(!Self.check(secrets, signedWith: "second-secret", at: now))

            try Self.write("second-secret", to: path)
            secrets.refresh(now: now, logger: logger)
            #expect(Self.check(secrets, signedWith: "second-secret", at: now))
            #expect(Self.check(secrets, signedWith: "first-secret", at: now), "the old registration's deliveries still verify")
            let later = now.addingTimeInterval(601)
            #expect(!Self.check(secrets, signedWith: "first-secret", at: later), "not after ten minutes")
            #expect(Self.check(secrets, signedWith: "second-secret", at: later))

            try Self.write("third-secret", to: path, mode: 0o644)
            secrets.refresh(now: later, logger: logger)
            #expect(Self.check(secrets, signedWith: "second-secret", at: later), "a file others can read is not used")
            #expect(!Self.check(secrets, signedWith: "third-secret", at: later))
        }
    }

    @Test func aFileRewrittenAfterTheConfigurationWasReadIsNotMissed() throws {
        try TemporaryFolder.with("webhook-secrets-race") { folder in
            let path = folder.appending(path: "webhook-secret").path
            // serve read "first-secret" with its configuration; `evflow webhooks register` rewrote the file before
            // the receiver was built, and then deleted the registration the old secret belonged to.
            try Self.write("second-secret", to: path)
            let secrets = WebhookSecrets(secret: Secret("first-secret"), file: path, allowedClockSkew: .seconds(300))
            secrets.refresh(now: Date(), logger: Logger(label: "test"))
            #expect(Self.check(secrets, signedWith: "second-secret", at: Date()), "the watcher's first look reads the file again")
        }
    }
}
