/// A payment as the server sees it, from `GET /payments/{reference}` (spec: `GetPaymentResponse`).
///
/// Poll it to learn whether the customer approved (``state``) and how much money moved (``aggregate``).
public struct GetPaymentResponse: Codable, Sendable, Hashable {
    /// Running totals.
    public var aggregate: Aggregate
    /// The amount requested at creation.
    public var amount: Amount
    /// Where the payment is in its life.
    public var state: PaymentState
    /// How the customer pays.
    public var paymentMethod: PaymentMethodResponse
    /// The user-info subject, when a profile scope was requested and the payment is authorized.
    public var profile: ProfileResponse
    /// The server's id for the payment.
    public var pspReference: String
    /// The landing page URL, when there is one.
    public var redirectUrl: String?
    /// The merchant's reference.
    public var reference: String
    /// The metadata sent at creation.
    public var metadata: [String: String]?

    /// Creates a payment snapshot (used by simulators and tests).
    public init(
        reference: String, state: PaymentState, amount: Amount, aggregate: Aggregate, pspReference: String,
        paymentMethod: PaymentMethodResponse = PaymentMethodResponse(type: .wallet),
        profile: ProfileResponse = ProfileResponse(), redirectUrl: String? = nil, metadata: [String: String]? = nil
    ) {
        self.reference = reference
        self.state = state
        self.amount = amount
        self.aggregate = aggregate
        self.pspReference = pspReference
        self.paymentMethod = paymentMethod
        self.profile = profile
        self.redirectUrl = redirectUrl
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case aggregate, amount, state, paymentMethod, profile, pspReference, redirectUrl, reference, metadata
    }

    /// Tolerates a missing `profile` (required by the spec, but it carries nothing when no scope was asked for).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        aggregate = try c.decode(Aggregate.self, forKey: .aggregate)
        amount = try c.decode(Amount.self, forKey: .amount)
        state = try c.decode(PaymentState.self, forKey: .state)
        paymentMethod = try c.decode(PaymentMethodResponse.self, forKey: .paymentMethod)
        profile = try c.decodeIfPresent(ProfileResponse.self, forKey: .profile) ?? ProfileResponse()
        pspReference = try c.decode(String.self, forKey: .pspReference)
        redirectUrl = try c.decodeIfPresent(String.self, forKey: .redirectUrl)
        reference = try c.decode(String.self, forKey: .reference)
        metadata = try c.decodeIfPresent([String: String].self, forKey: .metadata)
    }
}

/// The user-info part of a payment (spec: `ProfileResponse`).
public struct ProfileResponse: Codable, Sendable, Hashable {
    /// The subject to ask the Userinfo API about.
    public var sub: String?

    /// Creates a profile.
    public init(sub: String? = nil) { self.sub = sub }
}
