import EPayment
import Foundation
import Testing

/// `EPAYMENT_WEBHOOK_SECRET_FILE`: the 0600 file `evflow webhooks register` writes, beside `EPAYMENT_WEBHOOK_SECRET`.
struct WebhookSecretFileTests {
    @Test func theSecretComesFromTheFileWithoutItsNewline() throws {
        let path = try ConfigurationTests.temporaryFile("the-registration-secret\n", mode: 0o600)
        defer { unlink(path) }
        var environment = ConfigurationTests.environment
        environment["EPAYMENT_WEBHOOK_SECRET_FILE"] = path
        #expect(try EPaymentConfiguration.fromEnvironment(environment).webhookSecret?.revealed == "the-registration-secret")
    }

    @Test(arguments: [0o644, 0o640, 0o604] as [mode_t])
    func aFileOthersCanReadIsRefused(mode: mode_t) throws {
        let path = try ConfigurationTests.temporaryFile("the-registration-secret\n", mode: mode)
        defer { unlink(path) }
        var environment = ConfigurationTests.environment
        environment["EPAYMENT_WEBHOOK_SECRET_FILE"] = path
        let error = try #require(throws: EPaymentConfigurationError.self) { try EPaymentConfiguration.fromEnvironment(environment) }
        #expect(error.code == .insecureFile && error.description.contains("chmod 600 \(path)"), "\(error)")
        #expect(!error.description.contains("the-registration-secret"))
    }

    @Test func bothSettingsOrAnEmptyFileAreRefused() throws {
        let path = try ConfigurationTests.temporaryFile("the-registration-secret\n", mode: 0o600)
        let empty = try ConfigurationTests.temporaryFile("\n", mode: 0o600)
        defer { unlink(path); unlink(empty) }
        var environment = ConfigurationTests.environment
        environment["EPAYMENT_WEBHOOK_SECRET_FILE"] = path
        environment["EPAYMENT_WEBHOOK_SECRET"] = "another-secret"
        let both = try #require(throws: EPaymentConfigurationError.self) { try EPaymentConfiguration.fromEnvironment(environment) }
        #expect(both.code == .invalidValue && both.description.contains("EPAYMENT_WEBHOOK_SECRET"), "\(both)")
        environment["EPAYMENT_WEBHOOK_SECRET"] = nil
        environment["EPAYMENT_WEBHOOK_SECRET_FILE"] = empty
        let none = try #require(throws: EPaymentConfigurationError.self) { try EPaymentConfiguration.fromEnvironment(environment) }
        #expect(none.code == .missingValue, "\(none)")
        environment["EPAYMENT_WEBHOOK_SECRET_FILE"] = "/nonexistent/webhook-secret"
        #expect(try #require(throws: EPaymentConfigurationError.self) { try EPaymentConfiguration.fromEnvironment(environment) }.code == .unreadableFile)
    }
}
