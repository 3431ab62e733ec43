/// A `receipt` step's request, recorded in its ``StepRecord`` (as ``PaymentIntent/receipt(_:)``) with the first
/// attempt's outcome, so every later attempt sends the identical receipt; a crash before that save computes the same
/// one again from the same saved state (corrections of its values are refused once money is captured). The Order
/// Management API takes a repeat of an identical receipt as done, which is what makes re-sending safe.
///
/// Every amount is integer minor units, VAT included; the lines add up exactly to ``captured``.
package struct ReceiptIntent: Codable, Sendable, Equatable {
    /// One order line, as the API's `OrderLine`.
    package struct Line: Codable, Sendable, Equatable {
        package var id: String
        package var name: String
        /// VAT included.
        package var totalAmount: Int64
        package var totalAmountExcludingTax: Int64
        /// `totalAmount - totalAmountExcludingTax`, so the two always add up.
        package var totalTaxAmount: Int64
        /// Hundredths of a percent (2500 = 25 %).
        package var taxRate: Int64
        /// Per unit, VAT included.
        package var unitPrice: Int64
        /// A decimal string, for example `"12.345"` (display only).
        package var quantity: String
        /// `KWH` or `PCS`.
        package var quantityUnit: String
    }

    /// The order id: the payment's reference.
    package var orderID: String
    package var currency: String
    /// What the instance had captured when the receipt was made; the lines' totals add up to it.
    package var captured: Int64
    package var lines: [Line]

    /// The sum of the lines' totals (equal to ``captured`` by construction).
    package var total: Int64 { lines.reduce(0) { $0 + $1.totalAmount } }
    /// The sum of the lines' VAT.
    package var totalTax: Int64 { lines.reduce(0) { $0 + $1.totalTaxAmount } }

    private enum CodingKeys: String, CodingKey {
        case orderID = "orderId", currency, captured, lines
    }
}

/// The figures a receipt cannot be made from (a VAT rate outside 0...100 %, a negative price or energy, an overflow).
struct ReceiptComputationError: Error, CustomStringConvertible {
    var description: String
}

extension ReceiptIntent {
    /// The receipt for a charging session: a start-fee line when the fee applied (what was captured covers the fee
    /// first), and an energy line in kWh carrying the rest of what was captured, so the lines add up exactly to
    /// `captured` even when the capture was capped at the reservation.
    ///
    /// Each line's VAT is derived from its VAT-inclusive total: excluding VAT is `total × 10000 / (10000 + rate)`
    /// rounded half-up, and the VAT is the difference, so excluding VAT plus VAT is the total, to the øre.
    static func chargingSession(
        orderID: String, captured: Money, energyWh: Int64, pricePerKWh: Money, startFee: Money?, vatRate: Int64,
        energyLineName: String, startFeeLineName: String
    ) throws(ReceiptComputationError) -> ReceiptIntent {
        guard (0...10_000).contains(vatRate) else {
            throw ReceiptComputationError(description: "VAT rate \(vatRate) is outside 0...10000 (hundredths of a percent: 2500 is 25 %)")
        }
        guard energyWh >= 0, pricePerKWh.minorUnits >= 0, (startFee?.minorUnits ?? 0) >= 0, captured.minorUnits > 0 else {
            throw ReceiptComputationError(description: "a receipt needs a positive captured amount and no negative energy, price or fee (captured \(captured), \(energyWh) Wh, price \(pricePerKWh), start fee \(startFee.map(\.description) ?? "none"))")
        }
        for money in [pricePerKWh, startFee].compactMap({ $0 }) where money.currency != captured.currency {
            throw ReceiptComputationError(description: "the receipt is in \(captured.currency), the payment's currency, but a price is in \(money.currency)")
        }
        let fee = min(startFee?.minorUnits ?? 0, captured.minorUnits)
        let energy = captured.minorUnits - fee
        var lines: [Line] = []
        if energy > 0 || fee == 0 {
            lines.append(try line(id: "energy", name: energyLineName, total: energy, vatRate: vatRate,
                                  unitPrice: pricePerKWh.minorUnits, quantity: Self.kilowattHours(energyWh), unit: "KWH"))
        }
        if fee > 0 {
            lines.append(try line(id: "start-fee", name: startFeeLineName, total: fee, vatRate: vatRate,
                                  unitPrice: fee, quantity: "1", unit: "PCS"))
        }
        return ReceiptIntent(orderID: orderID, currency: captured.currency, captured: captured.minorUnits, lines: lines)
    }

    private static func line(
        id: String, name: String, total: Int64, vatRate: Int64, unitPrice: Int64, quantity: String, unit: String
    ) throws(ReceiptComputationError) -> Line {
        let (scaled, overflow) = total.multipliedReportingOverflow(by: 10_000)
        guard !overflow, let excluding = RoundingMode.halfUp.divide(scaled, by: 10_000 + vatRate) else {
            throw ReceiptComputationError(description: "the \(name) line's amount \(total) is too large to split into VAT")
        }
        return Line(id: id, name: name, totalAmount: total, totalAmountExcludingTax: excluding, totalTaxAmount: total - excluding,
                    taxRate: vatRate, unitPrice: unitPrice, quantity: quantity, quantityUnit: unit)
    }

    /// Wh as a kWh decimal string within the API's quantity rules (`^\d+(\.\d{1,8})?$`, at most 10 characters):
    /// 12345 Wh is `"12.345"`, 2000 Wh is `"2"`. Beyond 10 characters the least significant decimals are dropped
    /// (rounded down; the quantity is shown, not charged).
    static func kilowattHours(_ wattHours: Int64) -> String {
        let whole = String(wattHours / 1000)
        var fraction = String(wattHours % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        let room = max(0, 10 - whole.count - 1)
        fraction = String(fraction.prefix(room))
        return fraction.isEmpty ? whole : whole + "." + fraction
    }
}
