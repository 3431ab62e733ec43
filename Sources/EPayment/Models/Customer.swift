/// Who pays, when the merchant already knows (spec: `Customer`).
///
/// The spec allows exactly one of a phone number, a scanned personal QR code or a customer token; use the static
/// constructors to build a valid one. The phone number is personal data: do not keep it after the payment exists.
public struct Customer: Codable, Sendable, Hashable {
    /// MSISDN digits with country code and no prefix, for example `"4791234567"`.
    public var phoneNumber: String?
    /// The complete content of the customer's personal QR code ("merchant scan").
    public var personalQr: String?
    /// A token from a `user.checked-in.v1` webhook.
    public var customerToken: String?

    /// Creates a customer; set exactly one field (the server rejects more than one).
    public init(phoneNumber: String? = nil, personalQr: String? = nil, customerToken: String? = nil) {
        self.phoneNumber = phoneNumber
        self.personalQr = personalQr
        self.customerToken = customerToken
    }

    /// A customer identified by phone number (MSISDN, 10-15 digits).
    public static func phoneNumber(_ number: String) -> Customer { Customer(phoneNumber: number) }
    /// A customer identified by the scanned content of their personal QR code.
    public static func personalQr(_ content: String) -> Customer { Customer(personalQr: content) }
    /// A customer identified by a customer token.
    public static func customerToken(_ token: String) -> Customer { Customer(customerToken: token) }
}

extension Customer: CustomStringConvertible {
    /// Redacts the identifiers: customer data must not reach logs.
    public var description: String {
        let kind = phoneNumber != nil ? "phoneNumber" : personalQr != nil ? "personalQr" : customerToken != nil ? "customerToken" : "none"
        return "Customer(\(kind): <redacted>)"
    }
}
