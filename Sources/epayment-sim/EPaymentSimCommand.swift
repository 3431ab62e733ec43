import ArgumentParser
import EPaymentSimulator
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `epayment-sim`: a local Vipps MobilePay ePayment API with fault injection. Parses options, bootstraps logging,
/// and serves ``Simulator`` until interrupted.
@main
struct EPaymentSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epayment-sim",
        abstract: "A local Vipps MobilePay ePayment API (v1) with a controllable customer, clock and faults.",
        discussion: """
            Serves /epayment/v1/..., POST /accesstoken/get, the Webhooks API (POST and GET
            /webhooks/v1/webhooks, DELETE /webhooks/v1/webhooks/{id}: each registration has its own
            secret, at most 25 per event type) and the Order Management API's
            POST /order-management/v2/ecom/receipts/{orderId} like the real APIs, and prints
            "epayment-sim listening on <url>" once it accepts connections. Payment events go to the
            registered URLs only; each --webhook-url is registered at start for every event type,
            signed with --webhook-secret.

            Control endpoints (not part of the ePayment API):
            - GET /_sim/ledger: every payment with its aggregate, events and receipt
            - POST /_sim/payments/{reference}/approve or /reject: the customer acts
            - POST /_sim/clock/advance?seconds=N: move the clock (--manual-clock)
            - GET, PUT, DELETE /_sim/faults and PUT /_sim/faults/{operation}
            - PUT /_sim/rate-limits?enabled=false: switch rate limits off
            - GET /_sim/webhooks: webhook delivery attempts

            Secrets may come from the environment instead of flags:
            EPAYMENT_SIM_CLIENT_SECRET and EPAYMENT_SIM_WEBHOOK_SECRET.
            """
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free port (the URL is printed).")
    var port = 8088

    @Option(help: "Accepted client_id (with --client-secret and --subscription-key); any credentials are accepted when unset.")
    var clientId: String?

    @Option(help: "Accepted client_secret (or EPAYMENT_SIM_CLIENT_SECRET).")
    var clientSecret: String?

    @Option(help: "Accepted Ocp-Apim-Subscription-Key.")
    var subscriptionKey: String?

    @Option(help: "Access-token lifetime in seconds (the real test environment: 3600).")
    var tokenLifetime = 3600

    @Option(help: "Seconds a customer has before an unanswered payment EXPIRES (the real API: 600).")
    var paymentExpiry = 600

    @Option(help: "Approve every new payment after this many milliseconds, for demos. Off when unset.")
    var autoApproveMs: Int?

    @Flag(help: "Do not enforce the documented rate limits (5 modifications, 120 reads per minute per reference).")
    var noRateLimits = false

    @Option(help: "Modifications allowed per minute per reference.")
    var modificationsPerMinute = 5

    @Option(help: "Reads allowed per minute per reference.")
    var readsPerMinute = 120

    @Option(help: "Webhook receiver URL registered at start for every ePayment event; repeat for several.")
    var webhookUrl: [String] = []

    @Option(help: "Signing secret of the --webhook-url registrations (or EPAYMENT_SIM_WEBHOOK_SECRET).")
    var webhookSecret: String?

    @Option(help: "Delivery attempts per webhook before it is dropped.")
    var webhookMaxAttempts = 8

    @Option(help: "Milliseconds before the first webhook retry; doubles per attempt.")
    var webhookBackoffMs = 200

    @Option(help: "Probability (0-1) that a webhook is delivered twice.")
    var webhookDuplicateRate = 0.0

    @Option(help: "Probability (0-1) that a webhook is delayed past later ones (reordered).")
    var webhookReorderRate = 0.0

    @Option(
        help: ArgumentHelp(
            "Inject faults: OPERATION:KEY=VALUE[,KEY=VALUE...]; repeatable.",
            discussion: """
                OPERATION is * or one of \(SimulatedOperation.all.map(\.rawValue).joined(separator: ", ")). \
                KEYs: latency (ms), 5xx, 429, reset, lost (probabilities 0-1), retry-after (seconds), times (count). 'lost' applies the operation and then drops the \
                connection without a response. Example: --fault capturePayment:lost=1,times=1
                """
        )
    )
    var fault: [String] = []

    @Option(help: "Seed for fault draws and webhook duplication and reordering.")
    var seed: UInt64 = 0x5EED

    @Flag(help: "Use a virtual clock that moves only via POST /_sim/clock/advance.")
    var manualClock = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        let credentials = [clientId, clientSecret ?? environment("EPAYMENT_SIM_CLIENT_SECRET"), subscriptionKey]
        if credentials.contains(where: { $0 != nil }) && credentials.contains(where: { $0 == nil }) {
            throw ValidationError("--client-id, --client-secret and --subscription-key go together: give all three or none.")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port).") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'.") }
        for rate in [webhookDuplicateRate, webhookReorderRate] where !(0...1).contains(rate) {
            throw ValidationError("webhook rates must be between 0 and 1, got \(rate).")
        }
        for specification in fault {
            do { _ = try FaultConfiguration.parse(specification) } catch { throw ValidationError("--fault: \(error)") }
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var faults = FaultConfiguration()
        for specification in fault {
            let (operation, rule) = try FaultConfiguration.parse(specification)
            faults.rules[operation?.rawValue ?? "*"] = rule
        }
        var credentials: SimulatorConfiguration.Credentials?
        if let clientId, let secret = clientSecret ?? environment("EPAYMENT_SIM_CLIENT_SECRET"), let subscriptionKey {
            credentials = .init(clientId: clientId, clientSecret: secret, subscriptionKey: subscriptionKey)
        }
        let configuration = SimulatorConfiguration(
            host: host,
            port: port,
            credentials: credentials,
            accessTokenLifetime: .seconds(tokenLifetime),
            paymentExpiry: .seconds(paymentExpiry),
            autoApproveAfter: autoApproveMs.map { .milliseconds($0) },
            rateLimitsEnabled: !noRateLimits,
            modificationsPerMinute: modificationsPerMinute,
            readsPerMinute: readsPerMinute,
            webhooks: WebhookConfiguration(
                urls: webhookUrl,
                secret: webhookSecret ?? environment("EPAYMENT_SIM_WEBHOOK_SECRET") ?? "simulator-webhook-secret",
                maximumAttempts: webhookMaxAttempts,
                initialBackoff: .milliseconds(webhookBackoffMs),
                duplicateRate: webhookDuplicateRate,
                reorderRate: webhookReorderRate
            ),
            faults: faults,
            seed: seed
        )
        let simulator = Simulator(
            configuration: configuration,
            clock: manualClock ? .manual(startingAt: Date()) : .system(),
            logger: Logger(label: "epayment-sim")
        )
        let server = SimulatorServer(simulator: simulator) { url in
            // Unbuffered, so a parent process reading the pipe sees the URL at once.
            FileHandle.standardOutput.write(Data("epayment-sim listening on \(url)\n".utf8))
        }
        let services = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "epayment-sim")
            )
        )
        try await services.run()
    }

    private func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
