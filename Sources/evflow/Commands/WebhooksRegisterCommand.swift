import ArgumentParser
import EPayment
import EvflowServer
import Foundation

/// `evflow webhooks register`: makes the provider deliver the ePayment events to evflow's public webhook URL and
/// stores the registration's secret where `evflow serve` reads it.
struct WebhooksRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register evflow's webhook URL for the ePayment events and save its secret (0600).",
        discussion: """
            Registers <public URL>/webhooks/epayment (the public URL is --url, else EVFLOW_PUBLIC_URL; a URL that \
            already ends in /webhooks/epayment is taken as it is) and writes the returned secret to --secret-file \
            (else EPAYMENT_WEBHOOK_SECRET_FILE), mode 0600, for 'evflow serve' (which re-reads it when it changes). \
            Beside it, <secret file>.registration.json records which registration the secret belongs to.

            Run it again at any time: with the same URL and events and the secret on disk it changes nothing. To \
            move to a new URL, run it with the new one: the new registration is made and its secret saved first, \
            then the old one is deleted, so no event falls in between; a run that failed halfway finishes the move \
            when repeated. Other registrations of the same URL (whose secret evflow does not have) are deleted too.

            --dry-run lists the current registrations (a read) and prints the calls it would make, never a secret.

            Exit codes: 0 registered (or already registered), 1 a Webhooks API call failed (for example the limit \
            of 25 registrations per event type), 2 bad usage.

            Examples:
              evflow webhooks register --url https://pay.example.com/evflow --secret-file /etc/evflow/webhook-secret
              EVFLOW_PUBLIC_URL=https://pay.example.com EPAYMENT_WEBHOOK_SECRET_FILE=/etc/evflow/webhook-secret \\
                evflow webhooks register --dry-run
              evflow webhooks register --url https://pay.example.com --events epayments.payment.authorized.v1 --json
            """)

    @OptionGroup var options: WebhooksOptions

    @Option(help: ArgumentHelp("evflow's public URL: scheme, host, optional path prefix (default: EVFLOW_PUBLIC_URL).", valueName: "url"))
    var url: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Event types to subscribe to (default: every ePayment event, epayments.payment.<name>.v1).", valueName: "type"))
    var events: [String] = []

    @Option(name: .customLong("secret-file"), help: ArgumentHelp(
        "Where to write the secret (default: EPAYMENT_WEBHOOK_SECRET_FILE).", valueName: "path"))
    var secretFile: String?

    @Flag(name: .customLong("dry-run"), help: "Print the calls that would be made; change nothing.")
    var dryRun = false

    @Flag(help: "Print the outcome as JSON.")
    var json = false

    /// The outcome, for `--json`.
    struct Outcome: Encodable {
        /// `registered`, `unchanged`, or `dryRun`.
        var status: String
        var id: String?
        var url: String
        var events: [WebhookEventType]
        var secretFile: String
        var deleted: [String]
        /// The calls made (or, with `--dry-run`, that would be), without secrets.
        var calls: [String]
    }

    func run() async throws {
        let target = try Self.webhookURL(url ?? ProcessInfo.processInfo.environment[PublicURL.variable])
        let subscribed = try Self.eventTypes(events)
        guard let secretFile = secretFile ?? ProcessInfo.processInfo.environment[EPaymentConfiguration.EnvironmentKey.webhookSecretFile].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw CommandFailure(.usage, "no secret file: pass --secret-file <path> or set EPAYMENT_WEBHOOK_SECRET_FILE (the file evflow serve reads)")
        }
        try await options.withClient { client in
            let registrar = WebhookRegistrar(client: client, secretFile: secretFile)
            let outcome = try await registrar.register(url: target, events: subscribed, dryRun: dryRun) { line in
                if !json { print(line) }
            }
            if json { try Output.printJSON(outcome) }
        }
    }

    /// The receiver's public URL: `text` with `/webhooks/epayment` appended unless it ends so already.
    static func webhookURL(_ text: String?) throws -> String {
        guard var text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw CommandFailure(.usage, "no public URL: pass --url https://<host>[/<prefix>] or set \(PublicURL.variable) (where the provider reaches evflow serve)")
        }
        if text.hasSuffix(PublicURL.webhookPath) { text.removeLast(PublicURL.webhookPath.count) }
        do {
            return try PublicURL(text).webhookURL
        } catch {
            throw CommandFailure(.usage, "\(error)".replacingOccurrences(of: "\(PublicURL.variable): ", with: "--url/\(PublicURL.variable): "))
        }
    }

    /// The event types to subscribe to: every ePayment one, or the listed ones, each an ePayment event type.
    static func eventTypes(_ listed: [String]) throws -> [WebhookEventType] {
        let names = listed.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { return WebhookEventType.ePaymentEvents }
        var types: [WebhookEventType] = []
        for name in names {
            let type = WebhookEventType(rawValue: name)
            guard type.isEPaymentEvent else {
                throw CommandFailure(.usage, "--events: '\(name.prefix(100))' is not an ePayment event type; use \(WebhookEventType.ePaymentEvents.map(\.rawValue).joined(separator: ", "))")
            }
            if !types.contains(type) { types.append(type) }
        }
        return types
    }
}
