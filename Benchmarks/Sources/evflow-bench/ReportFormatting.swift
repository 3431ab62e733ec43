import Foundation

/// The cell formatting the flow and PostgreSQL reports share for their tables and JSON figures: a value that did
/// not come out (no run, a division by zero) is `nil` in the JSON and "n/a" in the table, never `inf` or `nan`.
protocol ReportFormatting {}

extension ReportFormatting {
    /// `value` rounded to `places` decimals for the results file, `nil` when missing or not finite.
    func rounded(_ value: Double?, _ places: Int) -> Double? {
        guard let value, value.isFinite else { return nil }
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    /// `value` with `places` decimals for a table cell, "n/a" when missing or not finite.
    func format(_ value: Double?, _ places: Int) -> String {
        guard let value, value.isFinite else { return "n/a" }
        return String(format: "%.\(places)f", value)
    }

    /// `text` padded with spaces to `width`, on the left when `right` (numbers), else on the right.
    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
