import EPayment
import FlowEngine
import Foundation

/// Carries out a ``WebhookRegistrationPlan`` against the Webhooks API: register, save the secret (0600) and the
/// record, delete what was replaced. Each step is saved before the next, so a run that stops anywhere is
/// finished by the next one.
struct WebhookRegistrar: Sendable {
    let client: EPaymentClient
    let secretFile: String

    /// Registers `url` for `events` unless the recorded registration already does; reports each call to `report`.
    /// - Throws: ``EPaymentError`` when a call fails; `CommandFailure` (exit 1) when the secret cannot be saved.
    func register(
        url: String, events: [WebhookEventType], dryRun: Bool, report: (String) -> Void
    ) async throws -> WebhooksRegisterCommand.Outcome {
        let record = WebhookRegistrationRecord.load(forSecretFile: secretFile)
        let existing = try await client.listWebhooks()
        var calls = ["GET /webhooks/v1/webhooks (\(existing.count) registered)"]
        report(calls[0])
        let plan = WebhookRegistrationPlan(
            url: url, events: events, record: record, secretFileExists: FileManager.default.fileExists(atPath: secretFile),
            existing: existing)
        var outcome = WebhooksRegisterCommand.Outcome(
            status: dryRun ? "dryRun" : plan.registers ? "registered" : "unchanged", id: plan.current?.id, url: url,
            events: events, secretFile: secretFile, deleted: [], calls: calls)
        let prefix = dryRun ? "would " : ""
        if let current = plan.current {
            report("\(url) is registered already (id \(current.id), \(events.count) event types); its secret is in \(secretFile)")
        } else {
            let call = "POST /webhooks/v1/webhooks {\"url\": \"\(url)\", \"events\": [\(events.count) event types]}"
            calls.append(call)
            report(prefix + call)
            if dryRun {
                calls.append("write the returned secret to \(secretFile) (mode 0600)")
                report("would write the returned secret to \(secretFile) (mode 0600)")
            } else {
                let registered = try await client.registerWebhook(url: url, events: events)
                outcome.id = registered.id
                let replaced = Array(Set(plan.deletions.map(\.id) + (record.map { [$0.id] + $0.replaces } ?? []))).sorted()
                // The API never shows this secret again: it is saved at once, between two records that say
                // whether the secret file holds it.
                if var pending = record {
                    pending.pending = registered.id
                    try saveRecord(pending)
                }
                try save(registered.secret)
                try saveRecord(WebhookRegistrationRecord(id: registered.id, url: url, events: events, replaces: replaced))
                report("registered \(url) (id \(registered.id)); secret written to \(secretFile) (mode 0600), which evflow serve with EPAYMENT_WEBHOOK_SECRET_FILE=\(secretFile) re-reads")
            }
        }
        for old in plan.deletions {
            let call = "DELETE /webhooks/v1/webhooks/\(old.id) (\(old.url))"
            calls.append(call)
            report(prefix + call)
            guard !dryRun else { continue }
            do {
                try await client.deleteWebhook(id: old.id)
            } catch let error as EPaymentError where error.code == .notFound {
                // Deleted already, by an earlier run or by hand: the goal is reached.
            }
            outcome.deleted.append(old.id)
        }
        if !dryRun, let id = outcome.id, let saved = WebhookRegistrationRecord.load(forSecretFile: secretFile), !saved.replaces.isEmpty {
            // Everything it replaces is gone now.
            try saveRecord(WebhookRegistrationRecord(id: id, url: url, events: events, replaces: []))
        }
        outcome.calls = calls
        return outcome
    }

    private func save(_ secret: Secret) throws {
        do {
            try DurableFile.replaceOwnerOnly(secretFile, with: Array((secret.revealed + "\n").utf8))
        } catch {
            throw CommandFailure(.failure, "the webhook was registered but its secret could not be written to \(secretFile): \(error); fix the folder and run the command again (it registers anew and deletes this registration)")
        }
    }

    private func saveRecord(_ record: WebhookRegistrationRecord) throws {
        do {
            try record.save(forSecretFile: secretFile)
        } catch {
            throw CommandFailure(.failure, "could not write \(WebhookRegistrationRecord.path(forSecretFile: secretFile)): \(error); run the command again")
        }
    }
}
