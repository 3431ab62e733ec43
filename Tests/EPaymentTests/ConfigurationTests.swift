import EPayment
import Foundation
import Testing

@Suite("Configuration comes from the environment or a 0600 file and never shows a secret")
struct ConfigurationTests {
    static let environment = [
        "EPAYMENT_BASE_URL": "https://apitest.vipps.no/", "EPAYMENT_CLIENT_ID": "the-client-id",
        "EPAYMENT_CLIENT_SECRET": "very-secret-value-1", "EPAYMENT_SUBSCRIPTION_KEY": "very-secret-key-2",
        "EPAYMENT_MSN": "123456",
    ]

    static func temporaryFile(_ contents: String, mode: mode_t) throws -> String {
        let path = NSTemporaryDirectory() + "epayment-config-\(UUID().uuidString).json"
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, mode) == 0)
        return path
    }

    static let fileContents = #"""
        {"baseURL":"http://127.0.0.1:8080","clientID":"file-client","clientSecret":"file-secret-3",
         "subscriptionKey":"file-key-4","merchantSerialNumber":"7654321","systemName":"evflow","systemVersion":"2.0.0"}
        """#

    @Test func readsTheEnvironment() throws {
        let configuration = try EPaymentConfiguration.fromEnvironment(Self.environment)
        #expect(configuration.baseURL == "https://apitest.vipps.no")
        #expect(configuration.clientID == "the-client-id")
        #expect(configuration.clientSecret.revealed == "very-secret-value-1")
        #expect(configuration.subscriptionKey.revealed == "very-secret-key-2")
        #expect(configuration.merchantSerialNumber == "123456")
        #expect(configuration.systemName == "evflow")
    }

    @Test func missingOrInvalidVariablesAreNamed() throws {
        var environment = Self.environment
        environment["EPAYMENT_CLIENT_SECRET"] = nil
        let missing = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.fromEnvironment(environment)
        }
        #expect(missing.code == .missingValue)
        #expect(missing.description.contains("EPAYMENT_CLIENT_SECRET"))

        environment = Self.environment
        environment["EPAYMENT_MSN"] = "12ab"
        let invalid = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.fromEnvironment(environment)
        }
        #expect(invalid.code == .invalidValue)
        #expect(invalid.description.contains("EPAYMENT_MSN"))

        environment = Self.environment
        environment["EPAYMENT_BASE_URL"] = "apitest.vipps.no"
        #expect(throws: EPaymentConfigurationError.self) { try EPaymentConfiguration.fromEnvironment(environment) }
    }

    @Test func readsAnOwnerOnlyFile() throws {
        let path = try Self.temporaryFile(Self.fileContents, mode: 0o600)
        defer { unlink(path) }
        let configuration = try EPaymentConfiguration.load(fromFile: path)
        #expect(configuration.clientID == "file-client")
        #expect(configuration.merchantSerialNumber == "7654321")
        #expect(configuration.clientSecret.revealed == "file-secret-3")
        let viaEnvironment = try EPaymentConfiguration.fromEnvironment(["EPAYMENT_CONFIG_FILE": path])
        #expect(viaEnvironment == configuration)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660] as [mode_t])
    func refusesAFileOthersCanRead(mode: mode_t) throws {
        let path = try Self.temporaryFile(Self.fileContents, mode: mode)
        defer { unlink(path) }
        let error = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.load(fromFile: path)
        }
        #expect(error.code == .insecureFile)
        #expect(error.description.contains("chmod 600"))
        #expect(error.description.contains(path))
        #expect(!error.description.contains("file-secret-3"))
    }

    @Test func malformedOrIncompleteFilesAreExplainedWithoutSecrets() throws {
        let wrongType = try Self.temporaryFile(
            #"{"baseURL":"http://x.y","clientID":"c","clientSecret":12345678,"subscriptionKey":"file-key-4","merchantSerialNumber":"1234"}"#,
            mode: 0o600)
        defer { unlink(wrongType) }
        let malformed = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.load(fromFile: wrongType)
        }
        #expect(malformed.code == .malformedFile)
        #expect(malformed.description.contains("clientSecret"))
        #expect(!malformed.description.contains("12345678"))
        #expect(!malformed.description.contains("file-key-4"))

        let incomplete = try Self.temporaryFile(#"{"baseURL":"http://x.y","clientID":"c"}"#, mode: 0o600)
        defer { unlink(incomplete) }
        let missing = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.load(fromFile: incomplete)
        }
        #expect(missing.code == .missingValue)

        let absent = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.load(fromFile: "/nonexistent/epayment.json")
        }
        #expect(absent.code == .unreadableFile)
    }

    @Test func noSecretInAnyDescription() throws {
        let configuration = try EPaymentConfiguration.fromEnvironment(Self.environment)
        var dumped = ""
        dump(configuration, to: &dumped)
        let renderings = [
            "\(configuration)", String(describing: configuration), String(reflecting: configuration), dumped,
            "\(configuration.clientSecret)", String(reflecting: configuration.subscriptionKey),
        ]
        for text in renderings {
            #expect(!text.contains("very-secret-value-1"), "\(text)")
            #expect(!text.contains("very-secret-key-2"), "\(text)")
        }
        #expect("\(configuration)".contains("the-client-id"))
        #expect("\(Secret("x"))" == "<redacted>")
    }
}
