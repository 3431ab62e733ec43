/// An amount of money in minor units (øre, cent), as every amount in the ePayment API is.
///
/// Integer minor units keep arithmetic exact: 10.00 NOK is `Amount(value: 1000, currency: .nok)`.
/// The spec allows `0...65_000_000`; the server enforces the range and per-currency minimums.
public struct Amount: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The currency of ``value``.
    public var currency: Currency
    /// The amount in minor units.
    public var value: Int64

    /// Creates an amount of `value` minor units in `currency`.
    public init(value: Int64, currency: Currency) {
        self.value = value
        self.currency = currency
    }

    /// For logs: `"1000 NOK (minor units)"`.
    public var description: String { "\(value) \(currency) (minor units)" }
}
