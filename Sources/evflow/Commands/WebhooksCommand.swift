import ArgumentParser
import CurlHTTP
import EPayment
import Foundation
import Logging

/// `evflow webhooks`: the provider's Webhooks API, so that nobody registers evflow's receiver by hand.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Register, list and delete the ePayment webhooks that reach evflow serve.",
        discussion: """
            Calls the Webhooks API (POST, GET and DELETE /webhooks/v1/webhooks) with the EPAYMENT_* settings. \
            'register' registers evflow's receiver (EVFLOW_PUBLIC_URL plus /webhooks/epayment) for the ePayment \
            events and writes the registration's secret to a 0600 file that 'evflow serve' reads \
            (EPAYMENT_WEBHOOK_SECRET_FILE).

            Exit codes: 0 success, 1 a Webhooks API call failed, 2 bad usage (no public URL or secret file, an \
            unknown event type, a URL the provider cannot call), 3 no such registration (delete).

            Examples:
              evflow webhooks register --url https://pay.example.com/evflow --secret-file /etc/evflow/webhook-secret
              evflow webhooks list --json
              evflow webhooks delete 3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f --dry-run
            """,
        subcommands: [WebhooksRegisterCommand.self, WebhooksListCommand.self, WebhooksDeleteCommand.self])
}

/// What every `evflow webhooks` subcommand shares: the log level and a Webhooks API client.
struct WebhooksOptions: ParsableArguments {
    @OptionGroup var logging: LoggingOptions

    /// Runs `body` with a client for the provider configured by `EPAYMENT_*`. The webhook secret is not needed
    /// (and its file may not exist yet: `register` writes it), so `EPAYMENT_WEBHOOK_SECRET_FILE` is not read.
    func withClient<Result>(_ body: (EPaymentClient) async throws -> Result) async throws -> Result {
        let logger = logging.bootstrapLogging()
        var environment = ProcessInfo.processInfo.environment
        environment[EPaymentConfiguration.EnvironmentKey.webhookSecretFile] = nil
        let configuration = try RunnerEnvironment.paymentConfiguration(required: true, logger: logger, environment: environment)
        return try await withHTTPClient(configuration: try RunnerEnvironment.httpConfiguration(), logger: logger) { http in
            try await body(EPaymentClient(configuration: configuration, httpClient: http, logger: logger))
        }
    }
}
