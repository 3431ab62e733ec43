/// Order lines and totals shown to the customer in the app (spec: `Receipt`); for a charging session, one
/// line in ``QuantityUnit/kwh``. Deprecated spec fields (bottom-line totals, shipping info) are left out.
public struct Receipt: Codable, Sendable, Hashable {
    /// At least one line.
    public var orderLines: [OrderLine]
    /// The summary.
    public var bottomLine: BottomLine

    /// Creates a receipt.
    public init(orderLines: [OrderLine], bottomLine: BottomLine) {
        self.orderLines = orderLines
        self.bottomLine = bottomLine
    }
}

/// One line of a ``Receipt`` (spec: `OrderLine`); amounts in minor units.
public struct OrderLine: Codable, Sendable, Hashable {
    /// Product name.
    public var name: String
    /// Product id.
    public var id: String
    /// Including tax and discount.
    public var totalAmount: Int64
    /// Excluding tax, with discount.
    public var totalAmountExcludingTax: Int64
    /// The tax part.
    public var totalTaxAmount: Int64
    /// Tax rate in hundredths of a percent (2500 = 25 %); the spec prefers it over `taxPercentage`.
    public var taxRate: Int?
    /// Unit price and quantity.
    public var unitInfo: UnitInfo?
    /// Total discount.
    public var discount: Int64?
    /// Link to the product.
    public var productUrl: String?
    /// Counts negative in the totals when true.
    public var isReturn: Bool?
    /// Shown as shipping when true.
    public var isShipping: Bool?

    /// Creates an order line.
    public init(
        name: String, id: String, totalAmount: Int64, totalAmountExcludingTax: Int64, totalTaxAmount: Int64,
        taxRate: Int? = nil, unitInfo: UnitInfo? = nil, discount: Int64? = nil, productUrl: String? = nil,
        isReturn: Bool? = nil, isShipping: Bool? = nil
    ) {
        self.name = name
        self.id = id
        self.totalAmount = totalAmount
        self.totalAmountExcludingTax = totalAmountExcludingTax
        self.totalTaxAmount = totalTaxAmount
        self.taxRate = taxRate
        self.unitInfo = unitInfo
        self.discount = discount
        self.productUrl = productUrl
        self.isReturn = isReturn
        self.isShipping = isShipping
    }
}

/// Price per unit and quantity of an ``OrderLine`` (spec: `UnitInfo`).
public struct UnitInfo: Codable, Sendable, Hashable {
    /// Price per unit including tax, excluding discount, in minor units.
    public var unitPrice: Int64?
    /// The quantity as a decimal string, for example `"12.345"` kWh (display only).
    public var quantity: String
    /// The unit; the server defaults to pieces.
    public var quantityUnit: QuantityUnit?

    /// Creates unit info.
    public init(unitPrice: Int64?, quantity: String, quantityUnit: QuantityUnit? = nil) {
        self.unitPrice = unitPrice
        self.quantity = quantity
        self.quantityUnit = quantityUnit
    }
}

/// The summary of a ``Receipt`` (spec: `BottomLine`, without its deprecated fields).
public struct BottomLine: Codable, Sendable, Hashable {
    /// The receipt's currency.
    public var currency: Currency
    /// Tip in minor units.
    public var tipAmount: Int64?
    /// The POS terminal's id, for example the charger id.
    public var posId: String?
    /// The merchant's receipt number.
    public var receiptNumber: String?

    /// Creates a bottom line.
    public init(currency: Currency, tipAmount: Int64? = nil, posId: String? = nil, receiptNumber: String? = nil) {
        self.currency = currency
        self.tipAmount = tipAmount
        self.posId = posId
        self.receiptNumber = receiptNumber
    }
}
