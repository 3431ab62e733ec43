import ArgumentParser
import EPayment
import Foundation

/// `evflow webhooks list`: the webhooks registered for this merchant serial number.
struct WebhooksListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the registered webhooks (id, URL, event types); never a secret.",
        discussion: """
            The registration whose secret is in EPAYMENT_WEBHOOK_SECRET_FILE (or --secret-file), as recorded by \
            'evflow webhooks register', is marked with *.

            Exit codes: 0 listed, 1 the Webhooks API call failed, 2 bad usage.

            Examples:
              evflow webhooks list
              evflow webhooks list --json | jq -r '.[].url'
            """)

    @OptionGroup var options: WebhooksOptions

    @Option(name: .customLong("secret-file"), help: ArgumentHelp(
        "The secret file 'register' wrote, to mark its registration (default: EPAYMENT_WEBHOOK_SECRET_FILE).", valueName: "path"))
    var secretFile: String?

    @Flag(help: "Print the registrations as a JSON array of {id, url, events}.")
    var json = false

    func run() async throws {
        let file = secretFile ?? ProcessInfo.processInfo.environment[EPaymentConfiguration.EnvironmentKey.webhookSecretFile]
        let ours = file.flatMap { WebhookRegistrationRecord.load(forSecretFile: $0) }?.id
        try await options.withClient { client in
            let registrations = try await client.listWebhooks()
            if json {
                try Output.printJSON(registrations)
                return
            }
            guard !registrations.isEmpty else {
                print("no webhooks registered")
                return
            }
            for registration in registrations {
                let mark = registration.id == ours ? "*" : " "
                let events = registration.events.map { $0.rawValue.replacingOccurrences(of: "epayments.payment.", with: "").replacingOccurrences(of: ".v1", with: "") }
                print("\(mark) \(registration.id)  \(registration.url)  \(events.joined(separator: ","))")
            }
        }
    }
}
