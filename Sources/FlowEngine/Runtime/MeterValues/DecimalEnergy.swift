/// An energy value exactly as a station wrote it (`"12.3456"`, `1.5e3`), converted to whole watt-hours without
/// floating point.
///
/// OCPP 1.6 sends a sampled value as decimal text and OCPP 2.0.1 as a JSON number; both are read here from their
/// literal text (the engine's ``JSONParser`` keeps a number's text), so 0.1 kWh is 100 Wh and not 99.99999 Wh. A
/// value that is not a whole number of Wh is rounded down (the customer is never billed for energy not
/// delivered) and the exact value is kept for the timeline.
package struct DecimalEnergy: Sendable, Equatable {
    /// The significant digits, without leading zeros (empty for zero).
    private let digits: [UInt8]
    /// The value is `digits × 10^exponent`.
    private let exponent: Int
    private let negative: Bool

    /// The whole watt-hours and, when rounding was needed, the exact value in Wh as decimal text.
    package struct WattHours: Sendable, Equatable {
        package var wattHours: Int64
        /// For example `"12345.6"`: set only when the value was not a whole number of Wh.
        package var exactWattHours: String?
    }

    /// Why a text is not an energy value evflow can bill.
    package enum Problem: Error, Sendable, Equatable {
        case notADecimal
        case negative
        case tooLarge
    }

    /// The largest exponent accepted in `1e…` notation: far beyond any meter, small enough to compute with.
    private static let exponentLimit = 60

    /// Parses `-?digits(.digits)?([eE][+-]?digits)?`; leading zeros are allowed (stations send `"0012.5"`).
    package init(parsing text: String) throws(Problem) {
        var scalars = Array(text.utf8)[...]
        var negative = false
        if scalars.first == UInt8(ascii: "-") { negative = true; scalars = scalars.dropFirst() }
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let whole = scalars.prefix { isDigit($0) }
        scalars = scalars.dropFirst(whole.count)
        var fraction: ArraySlice<UInt8> = []
        if scalars.first == UInt8(ascii: ".") {
            scalars = scalars.dropFirst()
            fraction = scalars.prefix { isDigit($0) }
            guard !fraction.isEmpty else { throw .notADecimal }
            scalars = scalars.dropFirst(fraction.count)
        }
        guard !whole.isEmpty else { throw .notADecimal }
        var exponent = -fraction.count
        if let marker = scalars.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            scalars = scalars.dropFirst()
            var exponentNegative = false
            if let sign = scalars.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                scalars = scalars.dropFirst()
            }
            let exponentDigits = scalars.prefix { isDigit($0) }
            guard !exponentDigits.isEmpty, exponentDigits.count == scalars.count else { throw .notADecimal }
            guard exponentDigits.count <= 4, let value = Int(String(decoding: exponentDigits, as: UTF8.self)), value <= Self.exponentLimit else {
                throw exponentNegative ? Problem.notADecimal : Problem.tooLarge
            }
            exponent += exponentNegative ? -value : value
            scalars = []
        }
        guard scalars.isEmpty else { throw .notADecimal }
        let all = Array(whole) + Array(fraction)
        let significant = Array(all.drop { $0 == UInt8(ascii: "0") })
        digits = significant.map { $0 - UInt8(ascii: "0") }
        self.exponent = exponent
        self.negative = negative && !significant.isEmpty
        if self.negative { throw .negative }
    }

    /// The value × 10^`scale` (3 for kWh, plus a 2.0.1 `multiplier`) as whole Wh, rounded down.
    package func wattHours(scale: Int) throws(Problem) -> WattHours {
        guard !digits.isEmpty else { return WattHours(wattHours: 0, exactWattHours: nil) }
        let shift = exponent + scale
        if shift >= 0 {
            guard digits.count + shift <= 19, let value = Int64(Self.text(digits) + String(repeating: "0", count: shift)) else { throw .tooLarge }
            return WattHours(wattHours: value, exactWattHours: nil)
        }
        let fractionLength = -shift
        let padded = digits.count < fractionLength ? Array(repeating: 0, count: fractionLength - digits.count) + digits : digits
        let wholeDigits = padded.dropLast(fractionLength)
        let fractionDigits = padded.suffix(fractionLength)
        guard wholeDigits.count <= 19, let whole = wholeDigits.isEmpty ? 0 : Int64(Self.text(Array(wholeDigits))) else { throw .tooLarge }
        let significantFraction = Array(fractionDigits.reversed().drop { $0 == 0 }.reversed())
        guard !significantFraction.isEmpty else { return WattHours(wattHours: whole, exactWattHours: nil) }
        return WattHours(wattHours: whole, exactWattHours: "\(whole).\(Self.text(significantFraction))")
    }

    private static func text(_ digits: [UInt8]) -> String {
        String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
    }
}
