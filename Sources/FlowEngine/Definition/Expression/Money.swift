/// An amount of money in integer minor units (øre, cents) of one currency. Never a floating-point number.
///
/// ```swift
/// let reservation = Money(minorUnits: 50_000, currency: "NOK") // 500.00 NOK
/// ```
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The amount in minor units, for example `1000` for 10.00 NOK.
    public var minorUnits: Int64
    /// The ISO 4217 currency code: one of ``Money/supportedCurrencies``.
    public var currency: String

    /// The currencies the ePayment API accepts.
    public static let supportedCurrencies: Set<String> = ["NOK", "DKK", "EUR"]

    /// Creates an amount; the currency is not checked here (see ``Money/supportedCurrencies``).
    public init(minorUnits: Int64, currency: String) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// `"123.45 NOK"`: all supported currencies have two decimals.
    public var description: String {
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = minorUnits.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction) \(currency)"
    }
}
