import Foundation

/// The webhooks registered through the Webhooks API (and the configured ones, registered at start), each with
/// its own secret: where the dispatcher sends an event, and with which key it signs it (facts section 13).
struct WebhookRegistry: Sendable {
    /// One registration. `msn` is the Merchant-Serial-Number it was registered under; `nil` for a partner-level
    /// registration (and the configured ones), which receives every merchant's events (WH-guide).
    struct Registration: Sendable, Hashable {
        var id: String
        var url: String
        var events: [String]
        var secret: String
        var msn: String?

        func receives(_ eventType: String, msn paymentMSN: String) -> Bool {
            events.contains(eventType) && (msn == nil || msn == paymentMSN)
        }
    }

    /// Where one event goes: a registration's id, URL and secret at the time the event happened.
    struct Target: Sendable, Hashable {
        var id: String
        var url: String
        var secret: String
    }

    /// At most this many registrations per event type (and merchant); webhooks-openapi-2025-copy.yaml and
    /// ev-charging-facts.md section 3 (the 2023 spec said 5).
    static let limitPerEventType = 25

    /// The event types the simulator emits: `epayments.payment.<name>.v1` (WH-events).
    static let eventTypes = ["created", "aborted", "expired", "cancelled", "captured", "refunded", "authorized", "terminated"]
        .map { "epayments.payment.\($0).v1" }

    static func eventType(ofEventNamed name: String) -> String { "epayments.payment.\(name.lowercased()).v1" }

    private(set) var registrations: [Registration] = []

    /// The configured receivers (``WebhookConfiguration/urls``) as registrations for every event type, signed
    /// with the configured secret, so tests, demos and the fault campaign keep working without the API.
    init(configuration: WebhookConfiguration) {
        registrations = configuration.urls.enumerated().map { index, url in
            let number = String(index + 1, radix: 16)
            return Registration(
                id: "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - number.count)) + number,
                url: url, events: Self.eventTypes,
                secret: configuration.secret, msn: nil)
        }
    }

    /// The registrations one merchant (or, with `nil`, the partner) sees in a listing.
    func visible(to msn: String?) -> [Registration] {
        registrations.filter { msn == nil || $0.msn == msn || $0.msn == nil }
    }

    /// Adds a registration with a fresh id and secret.
    /// - Returns: the registration, or the first event type already at ``limitPerEventType``.
    mutating func register(url: String, events: [String], msn: String?) -> Result<Registration, LimitReached> {
        for event in events where visible(to: msn).filter({ $0.events.contains(event) }).count >= Self.limitPerEventType {
            return .failure(LimitReached(eventType: event))
        }
        let registration = Registration(
            id: UUID().uuidString.lowercased(), url: url, events: events, secret: Self.newSecret(), msn: msn)
        registrations.append(registration)
        return .success(registration)
    }

    /// Removes the registration `id` if `msn` may see it; `false` when there is none.
    mutating func delete(id: String, msn: String?) -> Bool {
        guard let index = registrations.firstIndex(where: { $0.id == id.lowercased() && (msn == nil || $0.msn == msn || $0.msn == nil) }) else {
            return false
        }
        registrations.remove(at: index)
        return true
    }

    func contains(id: String) -> Bool { registrations.contains { $0.id == id } }

    /// The registrations an event about a payment of `msn` goes to.
    func targets(eventType: String, msn: String) -> [Target] {
        registrations.filter { $0.receives(eventType, msn: msn) }.map { Target(id: $0.id, url: $0.url, secret: $0.secret) }
    }

    /// 32 random bytes, base64url: the real API's secrets are opaque strings used as-is as the HMAC key.
    private static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Registering would pass ``limitPerEventType`` for `eventType`.
    struct LimitReached: Error, Sendable {
        var eventType: String
    }
}
