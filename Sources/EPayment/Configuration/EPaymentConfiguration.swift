import CurlHTTP
import Foundation

/// Where the ePayment API is and the merchant credentials to call it with.
///
/// Load it from the environment (``fromEnvironment(_:)``) or from a JSON file readable only by its owner
/// (``load(fromFile:)``). Secrets are ``Secret`` values, so printing a configuration never shows them.
///
/// ```swift
/// let configuration = try EPaymentConfiguration.fromEnvironment()
/// ```
public struct EPaymentConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// The Vipps MobilePay test environment.
    public static let testBaseURL = "https://apitest.vipps.no"
    /// The Vipps MobilePay production environment.
    public static let productionBaseURL = "https://api.vipps.no"

    /// The API root without a trailing slash, for example ``testBaseURL`` or a local simulator's
    /// `http://127.0.0.1:8080`; operations live under `/epayment/v1`, the token under `/accesstoken/get`.
    /// ``validate(source:)`` requires `https`, except for a loopback host (`localhost`, `127.0.0.0/8`, `::1`), and
    /// refuses credentials inside the URL.
    public var baseURL: String
    /// The `client_id` of the sales unit's API keys.
    public var clientID: String
    /// The `client_secret` of the sales unit's API keys.
    public var clientSecret: Secret
    /// The `Ocp-Apim-Subscription-Key` of the sales unit.
    public var subscriptionKey: Secret
    /// The merchant serial number (MSN): 4 to 7 digits.
    public var merchantSerialNumber: String
    /// `Vipps-System-Name`: one lowercase word, at most 30 characters.
    public var systemName: String
    /// `Vipps-System-Version`, at most 30 characters.
    public var systemVersion: String
    /// `Vipps-System-Plugin-Name`, when a plugin is involved.
    public var pluginName: String?
    /// `Vipps-System-Plugin-Version`, when a plugin is involved.
    public var pluginVersion: String?
    /// The secret of the registered webhook, for ``WebhookVerifier``; optional.
    public var webhookSecret: Secret?

    /// Creates a configuration; call ``validate()`` (the loaders do) to check it.
    public init(
        baseURL: String, clientID: String, clientSecret: Secret, subscriptionKey: Secret,
        merchantSerialNumber: String, systemName: String = "evflow", systemVersion: String = "1.0.0",
        pluginName: String? = nil, pluginVersion: String? = nil, webhookSecret: Secret? = nil
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.subscriptionKey = subscriptionKey
        self.merchantSerialNumber = merchantSerialNumber
        self.systemName = systemName
        self.systemVersion = systemVersion
        self.pluginName = pluginName
        self.pluginVersion = pluginVersion
        self.webhookSecret = webhookSecret
    }

    /// Shows where and who, never the secrets.
    public var description: String {
        "EPaymentConfiguration(baseURL: \(OutboundURL.redacted(baseURL)), clientID: \(clientID), clientSecret: <redacted>, "
            + "subscriptionKey: <redacted>, merchantSerialNumber: \(merchantSerialNumber), "
            + "system: \(systemName) \(systemVersion))"
    }

    /// Checks every value the API would reject, so a mistake shows at start-up rather than on the first payment.
    /// - Parameter source: how to name the origin of the values in errors.
    /// - Throws: ``EPaymentConfigurationError``.
    public func validate(source: (String) -> String = { $0 }) throws(EPaymentConfigurationError) {
        // The access token request carries the client secret: https, except to a simulator on this machine.
        if let problem = OutboundURL.problem(with: baseURL) {
            throw EPaymentConfigurationError(
                .invalidValue, source: source("baseURL"),
                "\(problem); use \(Self.testBaseURL), \(Self.productionBaseURL) or a local simulator URL such as http://127.0.0.1:8080")
        }
        if clientID.isEmpty { throw missing(source("clientID")) }
        if clientSecret.isEmpty { throw missing(source("clientSecret")) }
        if subscriptionKey.isEmpty { throw missing(source("subscriptionKey")) }
        guard (4...7).contains(merchantSerialNumber.count), merchantSerialNumber.allSatisfy(\.isASCIIDigit) else {
            throw EPaymentConfigurationError(
                .invalidValue, source: source("merchantSerialNumber"),
                "the merchant serial number must be 4 to 7 digits, got \(merchantSerialNumber.count) characters")
        }
        for (key, value) in [("systemName", systemName), ("systemVersion", systemVersion)]
            + [("pluginName", pluginName), ("pluginVersion", pluginVersion)].compactMap({ k, v in v.map { (k, $0) } })
        {
            guard !value.isEmpty, value.count <= 30, value.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw EPaymentConfigurationError(
                    .invalidValue, source: source(key), "must be 1 to 30 ASCII characters without spaces, got '\(value)'")
            }
        }
    }

    private func missing(_ source: String) -> EPaymentConfigurationError {
        EPaymentConfigurationError(.missingValue, source: source, "the value is required and is missing or empty")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
