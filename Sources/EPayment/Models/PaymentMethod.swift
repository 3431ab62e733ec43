/// The payment method requested when creating a payment (spec: `PaymentMethod`).
public struct PaymentMethod: Codable, Sendable, Hashable {
    /// Wallet (in the app) or a free-standing card.
    public var type: PaymentMethodType
    /// Sources to refuse, Danish and Finnish markets only.
    public var blockedSources: [BlockedPaymentSource]?

    /// Creates a payment method; ``PaymentMethodType/wallet`` is the usual choice.
    public init(type: PaymentMethodType = .wallet, blockedSources: [BlockedPaymentSource]? = nil) {
        self.type = type
        self.blockedSources = blockedSources
    }
}

/// The payment method the customer used, as reported by the server (spec: `PaymentMethodResponse`).
public struct PaymentMethodResponse: Codable, Sendable, Hashable {
    /// Wallet or card.
    public var type: PaymentMethodType
    /// The card's 6-digit bank identification number, when available.
    public var cardBin: String?

    /// Creates a payment method report (used by simulators and tests).
    public init(type: PaymentMethodType, cardBin: String? = nil) {
        self.type = type
        self.cardBin = cardBin
    }
}
