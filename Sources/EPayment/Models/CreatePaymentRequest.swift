import Foundation

/// The body of `POST /epayment/v1/payments` (spec: `CreatePaymentRequest`).
///
/// For a charging session: reserve the maximum amount with ``UserFlow/qr`` or ``UserFlow/pushMessage`` and
/// ``CustomerInteraction/customerPresent``. The client validates ``reference`` before sending.
public struct CreatePaymentRequest: Codable, Sendable, Hashable {
    /// The amount to reserve.
    public var amount: Amount
    /// The customer, required for ``UserFlow/pushMessage``.
    public var customer: Customer?
    /// Minimum age in years (0-100).
    public var minimumUserAge: Int?
    /// Whether the customer is at the point of sale; the server defaults to not present.
    public var customerInteraction: CustomerInteraction?
    /// Wallet or card.
    public var paymentMethod: PaymentMethod
    /// User information to request (OpenID Connect scopes).
    public var profile: ProfileRequest?
    /// The merchant's unique id for the payment per MSN, matching `^[a-zA-Z0-9-]{8,64}$`.
    public var reference: String
    /// Where the customer returns after the session (https or custom scheme); required for ``UserFlow/webRedirect``.
    public var returnUrl: String?
    /// How the customer reaches the confirmation screen.
    public var userFlow: UserFlow
    /// Expiry of a long-living payment (needs special approval; more than 10 minutes and less than 60 days ahead).
    public var expiresAt: Date?
    /// The QR code format, for ``UserFlow/qr`` only.
    public var qrFormat: QRFormat?
    /// The text shown in the app, the portal and settlement files (3-100 characters).
    public var paymentDescription: String?
    /// Order lines and totals shown to the customer; required with ``expiresAt``.
    public var receipt: Receipt?
    /// Up to 5 string pairs echoed back in ``GetPaymentResponse/metadata``.
    public var metadata: [String: String]?
    /// Where a receipt can be viewed (https or custom scheme).
    public var receiptUrl: String?

    /// Creates a request; only amount, reference, user flow and payment method are required.
    public init(
        amount: Amount,
        reference: String,
        userFlow: UserFlow,
        paymentMethod: PaymentMethod = PaymentMethod(),
        customer: Customer? = nil,
        returnUrl: String? = nil,
        paymentDescription: String? = nil,
        customerInteraction: CustomerInteraction? = nil,
        expiresAt: Date? = nil,
        qrFormat: QRFormat? = nil,
        metadata: [String: String]? = nil,
        minimumUserAge: Int? = nil,
        profile: ProfileRequest? = nil,
        receipt: Receipt? = nil,
        receiptUrl: String? = nil
    ) {
        self.amount = amount
        self.reference = reference
        self.userFlow = userFlow
        self.paymentMethod = paymentMethod
        self.customer = customer
        self.returnUrl = returnUrl
        self.paymentDescription = paymentDescription
        self.customerInteraction = customerInteraction
        self.expiresAt = expiresAt
        self.qrFormat = qrFormat
        self.metadata = metadata
        self.minimumUserAge = minimumUserAge
        self.profile = profile
        self.receipt = receipt
        self.receiptUrl = receiptUrl
    }

    enum CodingKeys: String, CodingKey {
        case amount, customer, minimumUserAge, customerInteraction, paymentMethod, profile, reference, returnUrl
        case userFlow, expiresAt, qrFormat, paymentDescription, receipt, metadata, receiptUrl
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        amount = try c.decode(Amount.self, forKey: .amount)
        customer = try c.decodeIfPresent(Customer.self, forKey: .customer)
        minimumUserAge = try c.decodeIfPresent(Int.self, forKey: .minimumUserAge)
        customerInteraction = try c.decodeIfPresent(CustomerInteraction.self, forKey: .customerInteraction)
        paymentMethod = try c.decode(PaymentMethod.self, forKey: .paymentMethod)
        profile = try c.decodeIfPresent(ProfileRequest.self, forKey: .profile)
        reference = try c.decode(String.self, forKey: .reference)
        returnUrl = try c.decodeIfPresent(String.self, forKey: .returnUrl)
        userFlow = try c.decode(UserFlow.self, forKey: .userFlow)
        expiresAt = try RFC3339.decodeIfPresent(c, .expiresAt)
        qrFormat = try c.decodeIfPresent(QRFormat.self, forKey: .qrFormat)
        paymentDescription = try c.decodeIfPresent(String.self, forKey: .paymentDescription)
        receipt = try c.decodeIfPresent(Receipt.self, forKey: .receipt)
        metadata = try c.decodeIfPresent([String: String].self, forKey: .metadata)
        receiptUrl = try c.decodeIfPresent(String.self, forKey: .receiptUrl)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(amount, forKey: .amount)
        try c.encodeIfPresent(customer, forKey: .customer)
        try c.encodeIfPresent(minimumUserAge, forKey: .minimumUserAge)
        try c.encodeIfPresent(customerInteraction, forKey: .customerInteraction)
        try c.encode(paymentMethod, forKey: .paymentMethod)
        try c.encodeIfPresent(profile, forKey: .profile)
        try c.encode(reference, forKey: .reference)
        try c.encodeIfPresent(returnUrl, forKey: .returnUrl)
        try c.encode(userFlow, forKey: .userFlow)
        try c.encodeIfPresent(expiresAt.map(RFC3339.string(from:)), forKey: .expiresAt)
        try c.encodeIfPresent(qrFormat, forKey: .qrFormat)
        try c.encodeIfPresent(paymentDescription, forKey: .paymentDescription)
        try c.encodeIfPresent(receipt, forKey: .receipt)
        try c.encodeIfPresent(metadata, forKey: .metadata)
        try c.encodeIfPresent(receiptUrl, forKey: .receiptUrl)
    }
}

/// The QR code format for ``UserFlow/qr`` payments (spec: `CreatePaymentRequest.qrFormat`).
public struct QRFormat: Codable, Sendable, Hashable {
    /// What the QR link returns (spec: `qrFormat.format`).
    public struct Format: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral {
        /// The value as it appears in the JSON.
        public let rawValue: String
        /// Wraps any value.
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        /// The URL the QR code encodes, to render it yourself (for example on a charger's screen).
        public static let targetURL = Format(rawValue: "TEXT/TARGETURL")
        /// A link to an SVG image; the server's default.
        public static let svg = Format(rawValue: "IMAGE/SVG+XML")
        /// A link to a PNG image of ``QRFormat/size`` pixels.
        public static let png = Format(rawValue: "IMAGE/PNG")
    }

    /// The format.
    public var format: Format
    /// Edge length in pixels for PNG (100-2000; server default 1024).
    public var size: Int?

    /// Creates a QR format.
    public init(format: Format, size: Int? = nil) {
        self.format = format
        self.size = size
    }
}

/// User information to request with the payment (spec: `ProfileRequest`).
public struct ProfileRequest: Codable, Sendable, Hashable {
    /// Space-separated scopes: `name address email phoneNumber birthDate nin`.
    public var scope: String?

    /// Creates a profile request.
    public init(scope: String? = nil) { self.scope = scope }
}
