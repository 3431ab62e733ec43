import EPayment

/// The calls that make the provider deliver `events` to `url`, signed with the secret in the secret file, from
/// the registrations that exist now: register first, save the secret, delete what it replaces last, so no event
/// falls between the old URL and the new one (ev-charging-facts.md section 3). Nothing to register when the
/// recorded registration already has that URL, those events and its secret on disk.
struct WebhookRegistrationPlan: Sendable, Hashable {
    /// The recorded registration that already does the job, when there is one.
    var current: WebhookRegistration?
    /// Whether a new registration is made (then its secret replaces the secret file's).
    var registers: Bool { current == nil }
    /// Registrations to delete afterwards: the recorded one and those it replaces, and any other registration of
    /// the same URL, whose secret evflow does not have (left by an earlier run that failed before saving it).
    var deletions: [WebhookRegistration]

    init(url: String, events: [WebhookEventType], record: WebhookRegistrationRecord?, secretFileExists: Bool,
         existing: [WebhookRegistration]) {
        let recorded = record.flatMap { record in existing.first { $0.id == record.id } }
        var current: WebhookRegistration?
        if let recorded, record?.pending == nil, secretFileExists, recorded.url == url, Set(recorded.events) == Set(events) {
            current = recorded
        }
        let replaced = Set(record.map { [$0.id] + $0.replaces + ($0.pending.map { [$0] } ?? []) } ?? [])
        self.current = current
        self.deletions = existing.filter { registration in
            registration.id != current?.id && (replaced.contains(registration.id) || registration.url == url)
        }
    }
}
