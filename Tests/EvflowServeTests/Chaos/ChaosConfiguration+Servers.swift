import EPaymentSimulator
import Foundation

extension ChaosConfiguration {
    /// The provider every campaign runs against: webhooks to `webhookURLs` (each server's), retried for a while,
    /// some duplicated and reordered; responses recorded for the verdict.
    func simulator(webhookURLs: [String]) -> SimulatorConfiguration {
        SimulatorConfiguration(
            rateLimitsEnabled: false,
            webhooks: WebhookConfiguration(urls: webhookURLs, secret: ServeFixture.webhookSecret,
                                           maximumAttempts: 40, initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1),
                                           duplicateRate: 0.1, reorderRate: 0.1),
            seed: seed, recordsResponses: true)
    }

    /// What every campaign's `evflow serve` (and operator) gets in its environment, pointed at this campaign's
    /// simulator and station backend.
    func serverEnvironment(simulatorURL: String, stationURL: String) -> [String: String] {
        [
            "EVFLOW_API_TOKENS": ServeFixture.token,
            "EPAYMENT_BASE_URL": simulatorURL, "EPAYMENT_CLIENT_ID": "chaos", "EPAYMENT_CLIENT_SECRET": "chaos-secret",
            "EPAYMENT_SUBSCRIPTION_KEY": "chaos-key", "EPAYMENT_MSN": "123456", "EPAYMENT_WEBHOOK_SECRET": ServeFixture.webhookSecret,
            "EVFLOW_STATION_URL": stationURL, "EVFLOW_STATION_SECRET": "station-secret",
            "EVFLOW_HTTP_TIMEOUT": "\(serverHTTPTimeoutSeconds)",
        ]
    }
}
