extension DefinitionDecoder {
    /// The VAT rates the Order Management API accepts as `taxRate`: hundredths of a percent, 0 to 100 %.
    static let vatRates: ClosedRange<Int64> = 0...10_000

    /// A `receipt` step: the energy, price, start fee and VAT rate the receipt's lines are computed from.
    func receipt(_ fields: [String: JSONNode], _ path: String, payment: String?, next: String?) -> ReceiptStep? {
        let energy = required(fields["energyWh"], "\(path).energyWh", expect: .integer)
        let price = required(fields["pricePerKWh"], "\(path).pricePerKWh", expect: .money)
        let fee = expression(fields["startFee"], "\(path).startFee", expect: .money)
        let vat = required(fields["vatRate"], "\(path).vatRate", expect: .integer)
        if case .integer(let rate) = vat.syntax.kind, !Self.vatRates.contains(rate), let node = fields["vatRate"] {
            report("\(path).vatRate", node.position, "VAT rate \(rate) is outside 0...10000",
                   hint: "the rate is in hundredths of a percent, as the Order Management API's taxRate: 2500 is 25 %")
        }
        let energyName = lineName(fields["energyLineName"], "\(path).energyLineName", default: "'Energy'")
        let feeName = lineName(fields["startFeeLineName"], "\(path).startFeeLineName", default: "'Start fee'")
        guard let payment, let next, let energyName, let feeName else { return nil }
        return ReceiptStep(payment: payment, energyWh: energy, pricePerKWh: price, startFee: fee, vatRate: vat,
                           energyLineName: energyName, startFeeLineName: feeName, next: next)
    }

    private func lineName(_ node: JSONNode?, _ path: String, default source: String) -> Expression? {
        guard let node else { return try? Expression(parsing: source, in: scope) }
        return required(node, path, expect: .string)
    }
}
