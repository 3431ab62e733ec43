import FlowEngine

extension ShowCommand {
    /// A `receipt` step's Order Management receipt, as `show` lists it: what was (or is being) sent, and whether
    /// the API accepted it.
    struct ReceiptView: Encodable {
        var step: String
        var visit: Int
        /// `sent`, `sending` (attempts go on), `failed` (see the step's last error) or `skipped` (nothing captured).
        var status: String
        /// The order id: the payment's reference.
        var orderId: String?
        /// The API's id for the receipt, once it accepted it.
        var receiptId: String?
        var currency: String?
        /// The lines' totals, VAT included, in minor units: the captured amount.
        var total: Int64?
        var totalTax: Int64?
        var lines: [ReceiptIntent.Line]

        /// Every receipt step visit of `instance`.
        static func all(_ instance: FlowInstance) -> [ReceiptView] {
            instance.steps.compactMap { record -> ReceiptView? in
                let accepted: String? = if case .string(let id)? = instance.output(.receiptId, of: record.step) { id } else { nil }
                guard case .receipt(let intent)? = record.intent else {
                    // A skipped receipt records its outputs and no intent.
                    guard accepted == "" else { return nil }
                    return ReceiptView(step: record.step, visit: record.visit, status: "skipped", lines: [])
                }
                let status = if let accepted, !accepted.isEmpty { "sent" }
                    else if record.completedAt == nil && instance.currentStep == record.step { "sending" } else { "failed" }
                return ReceiptView(
                    step: record.step, visit: record.visit, status: status, orderId: intent.orderID,
                    receiptId: status == "sent" ? accepted : nil, currency: intent.currency, total: intent.total,
                    totalTax: intent.totalTax, lines: intent.lines)
            }
        }

        /// `receipt  <status> ...` and one line per order line.
        var text: [String] {
            guard let currency, let total, let totalTax, let orderId else { return ["receipt  \(step) #\(visit) skipped: nothing was captured"] }
            let money = { (units: Int64) in Money(minorUnits: units, currency: currency).description }
            var result = ["receipt  \(step) #\(visit) \(status)\(receiptId.map { " as \($0)" } ?? "") for order \(orderId): \(money(total)) incl. VAT \(money(totalTax))"]
            for line in lines {
                result.append("  \(line.name): \(line.quantity) \(line.quantityUnit) × \(money(line.unitPrice)) = \(money(line.totalAmount)) (excl. VAT \(money(line.totalAmountExcludingTax)), VAT \(money(line.totalTaxAmount)) at \(Self.percent(line.taxRate)))")
            }
            return result
        }

        /// A rate in hundredths of a percent as a percentage: 2500 is `25 %`, 1250 is `12.5 %`.
        static func percent(_ rate: Int64) -> String {
            var fraction = rate % 100 < 10 ? "0\(rate % 100)" : "\(rate % 100)"
            while fraction.last == "0" { fraction.removeLast() }
            return "\(rate / 100)\(fraction.isEmpty ? "" : ".\(fraction)") %"
        }
    }
}
