import EPayment
import Testing

/// `EPAYMENT_BASE_URL` gets the access token and every payment call, secrets included: plain http only to loopback,
/// and never credentials inside the URL.
struct BaseURLTests {
    static func environment(baseURL: String) -> [String: String] {
        ["EPAYMENT_BASE_URL": baseURL, "EPAYMENT_CLIENT_ID": "the-client-id", "EPAYMENT_CLIENT_SECRET": "client-secret-1",
         "EPAYMENT_SUBSCRIPTION_KEY": "subscription-key-2", "EPAYMENT_MSN": "123456"]
    }

    @Test func plainHTTPIsOnlyForLoopback() throws {
        let refused = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.fromEnvironment(Self.environment(baseURL: "http://example.com"))
        }
        #expect(refused.code == .invalidValue)
        #expect(refused.description.contains("EPAYMENT_BASE_URL") && refused.description.contains("https"), "\(refused)")
        for allowed in ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:9", "https://apitest.vipps.no"] {
            #expect(try EPaymentConfiguration.fromEnvironment(Self.environment(baseURL: allowed)).baseURL == allowed)
        }
    }

    @Test func credentialsInTheURLAreRefusedAndNeverShown() throws {
        let url = "https://evuser:hunter2pw@apitest.vipps.no"
        let refused = try #require(throws: EPaymentConfigurationError.self) {
            try EPaymentConfiguration.fromEnvironment(Self.environment(baseURL: url))
        }
        #expect(refused.description.contains("credentials"), "\(refused)")
        #expect(!refused.description.contains("hunter2pw") && !refused.description.contains("evuser"), "\(refused)")
        let built = EPaymentConfiguration(baseURL: url, clientID: "c", clientSecret: Secret("s"), subscriptionKey: Secret("k"),
                                          merchantSerialNumber: "123456")
        #expect(!"\(built)".contains("hunter2pw"), "\(built)")
    }
}
