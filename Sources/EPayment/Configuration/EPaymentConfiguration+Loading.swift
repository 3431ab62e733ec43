import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension EPaymentConfiguration {
    /// The environment variables ``fromEnvironment(_:)`` reads.
    public enum EnvironmentKey {
        /// Optional: a JSON configuration file (mode 0600) to read instead of the variables below.
        public static let configurationFile = "EPAYMENT_CONFIG_FILE"
        /// Required: the API root, for example `https://apitest.vipps.no`.
        public static let baseURL = "EPAYMENT_BASE_URL"
        /// Required: `client_id`.
        public static let clientID = "EPAYMENT_CLIENT_ID"
        /// Required: `client_secret`.
        public static let clientSecret = "EPAYMENT_CLIENT_SECRET"
        /// Required: `Ocp-Apim-Subscription-Key`.
        public static let subscriptionKey = "EPAYMENT_SUBSCRIPTION_KEY"
        /// Required: the merchant serial number.
        public static let merchantSerialNumber = "EPAYMENT_MSN"
        /// Optional: `Vipps-System-Name` (default `evflow`).
        public static let systemName = "EPAYMENT_SYSTEM_NAME"
        /// Optional: `Vipps-System-Version` (default `1.0.0`).
        public static let systemVersion = "EPAYMENT_SYSTEM_VERSION"
        /// Optional: the webhook secret.
        public static let webhookSecret = "EPAYMENT_WEBHOOK_SECRET"
        /// Optional, instead of ``webhookSecret``: a file (mode 0600) holding the webhook secret, as
        /// `evflow webhooks register` writes it.
        public static let webhookSecretFile = "EPAYMENT_WEBHOOK_SECRET_FILE"
    }

    /// Reads the configuration from environment variables (see ``EnvironmentKey``), or from the file named by
    /// `EPAYMENT_CONFIG_FILE` when that is set.
    /// - Parameter environment: the variables; the process environment by default.
    /// - Throws: ``EPaymentConfigurationError`` naming the variable to fix.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(EPaymentConfigurationError) -> EPaymentConfiguration {
        if let file = environment[EnvironmentKey.configurationFile], !file.isEmpty {
            var configuration = try load(fromFile: file)
            if let path = environment[EnvironmentKey.webhookSecretFile], !path.isEmpty {
                guard configuration.webhookSecret == nil else {
                    throw EPaymentConfigurationError(
                        .invalidValue, source: "environment variable \(EnvironmentKey.webhookSecretFile)",
                        "\(file) has a webhookSecret as well; keep only one of them")
                }
                configuration.webhookSecret = try OwnerOnlyFile.secret(path)
            }
            return configuration
        }
        typealias Key = EnvironmentKey
        func value(_ name: String) -> String { environment[name] ?? "" }
        func optional(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let configuration = EPaymentConfiguration(
            baseURL: value(Key.baseURL), clientID: value(Key.clientID), clientSecret: Secret(value(Key.clientSecret)),
            subscriptionKey: Secret(value(Key.subscriptionKey)), merchantSerialNumber: value(Key.merchantSerialNumber),
            systemName: optional(Key.systemName) ?? "evflow", systemVersion: optional(Key.systemVersion) ?? "1.0.0",
            webhookSecret: try Self.webhookSecret(environment))
        let names = [
            "baseURL": Key.baseURL, "clientID": Key.clientID, "clientSecret": Key.clientSecret,
            "subscriptionKey": Key.subscriptionKey, "merchantSerialNumber": Key.merchantSerialNumber,
            "systemName": Key.systemName, "systemVersion": Key.systemVersion,
        ]
        try configuration.validate { "environment variable \(names[$0] ?? $0)" }
        return configuration
    }

    /// `EPAYMENT_WEBHOOK_SECRET`, or the content of the file `EPAYMENT_WEBHOOK_SECRET_FILE` names; both set is an
    /// error, since either could be the stale one.
    static func webhookSecret(_ environment: [String: String]) throws(EPaymentConfigurationError) -> Secret? {
        let value = environment[EnvironmentKey.webhookSecret].flatMap { $0.isEmpty ? nil : Secret($0) }
        guard let path = environment[EnvironmentKey.webhookSecretFile], !path.isEmpty else { return value }
        guard value == nil else {
            throw EPaymentConfigurationError(
                .invalidValue, source: "environment variable \(EnvironmentKey.webhookSecretFile)",
                "\(EnvironmentKey.webhookSecret) is set as well; set only one of them (the file is what "
                    + "`evflow webhooks register` keeps current)")
        }
        return try OwnerOnlyFile.secret(path)
    }

    /// Reads the configuration from a JSON file that only its owner can read (mode 0600 or 0400).
    ///
    /// Keys: `baseURL`, `clientID`, `clientSecret`, `subscriptionKey`, `merchantSerialNumber`, and optionally
    /// `systemName`, `systemVersion`, `pluginName`, `pluginVersion`, `webhookSecret`.
    /// - Throws: ``EPaymentConfigurationError``; ``EPaymentConfigurationError/Code/insecureFile`` when group or
    ///   others have any permission on the file.
    public static func load(fromFile path: String) throws(EPaymentConfigurationError) -> EPaymentConfiguration {
        let data = try OwnerOnlyFile.read(path)
        let file: FileContents
        do {
            file = try JSONDecoder().decode(FileContents.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw EPaymentConfigurationError(
                .missingValue, source: "\(path) key \(key.stringValue)", "the value is required and is missing")
        } catch {
            // The decoding error may quote values (secrets), so only its kind and path are shown.
            throw EPaymentConfigurationError(
                .malformedFile, source: path,
                "not a JSON object with string values for baseURL, clientID, clientSecret, subscriptionKey, "
                    + "merchantSerialNumber\(Self.codingPath(of: error))")
        }
        let configuration = EPaymentConfiguration(
            baseURL: file.baseURL, clientID: file.clientID, clientSecret: Secret(file.clientSecret),
            subscriptionKey: Secret(file.subscriptionKey), merchantSerialNumber: file.merchantSerialNumber,
            systemName: file.systemName ?? "evflow", systemVersion: file.systemVersion ?? "1.0.0",
            pluginName: file.pluginName, pluginVersion: file.pluginVersion, webhookSecret: file.webhookSecret.map(Secret.init))
        try configuration.validate { "\(path) key \($0)" }
        return configuration
    }

    private static func codingPath(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return "" }
        let context: DecodingError.Context?
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
        default: context = nil
        }
        guard let path = context?.codingPath, !path.isEmpty else { return "" }
        return " (problem at key \(path.map(\.stringValue).joined(separator: ".")))"
    }

    private struct FileContents: Decodable {
        var baseURL: String
        var clientID: String
        var clientSecret: String
        var subscriptionKey: String
        var merchantSerialNumber: String
        var systemName: String?
        var systemVersion: String?
        var pluginName: String?
        var pluginVersion: String?
        var webhookSecret: String?
    }
}
