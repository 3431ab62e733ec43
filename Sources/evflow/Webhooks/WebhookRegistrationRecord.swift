import EPayment
import FlowEngine
import Foundation

/// What `evflow webhooks register` remembers beside the secret file (`<secret file>.registration.json`, mode
/// 0600, no secret in it): which registration the secret belongs to, and the ones it replaces that are not yet
/// deleted, so that a move to a new URL can finish on a re-run after a failure.
struct WebhookRegistrationRecord: Codable, Sendable, Hashable {
    /// The registration whose secret the secret file holds.
    var id: String
    var url: String
    var events: [WebhookEventType]
    /// Registrations this one replaces, deleted after it was registered and its secret saved.
    var replaces: [String]
    /// A registration made whose secret was being written when this record was saved: if the record still names
    /// one, the run stopped in between, the secret file may hold either secret, and the next run starts afresh.
    var pending: String? = nil

    /// The record's path for a secret file.
    static func path(forSecretFile secretFile: String) -> String { secretFile + ".registration.json" }

    /// The record saved beside `secretFile`, or `nil` when there is none (the first registration) or it cannot be
    /// read (then the secret's registration is unknown and a fresh one is made).
    static func load(forSecretFile secretFile: String) -> WebhookRegistrationRecord? {
        guard let data = FileManager.default.contents(atPath: path(forSecretFile: secretFile)) else { return nil }
        return try? JSONDecoder().decode(WebhookRegistrationRecord.self, from: data)
    }

    /// Saves the record beside `secretFile`, atomically, mode 0600.
    func save(forSecretFile secretFile: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try DurableFile.replaceOwnerOnly(Self.path(forSecretFile: secretFile), with: Array(try encoder.encode(self)) + [0x0A])
    }
}
