import Foundation

/// Checks an Order Management receipt (`POST /order-management/v2/{paymentType}/receipts/{orderId}`) against the
/// spec's `Receipt` schema (order-management-openapi.yaml v2.1), field by field: every problem becomes one
/// `invalidParams` entry naming the field, as the real API reports them.
///
/// Beyond the schema, each line's amount excluding tax plus its tax must be its total: a receipt whose lines do
/// not add up is refused rather than shown to a customer.
enum ReceiptRequestValidator {
    static let quantityUnits = ["PCS", "KG", "KM", "MINUTE", "LITRE", "KWH"]

    static func validate(_ body: JSONValue?) throws(Problem) -> LedgerReceipt {
        var check = FieldValidator()
        guard let root = check.object(body, "body", required: true) else { throw Problem.validation(check.details) }
        var lines: [LedgerReceiptLine] = []
        if case .array(let elements)? = root["orderLines"] {
            if elements.isEmpty { check.fail("orderLines", "Must contain at least one order line.") }
            for (index, element) in elements.enumerated() {
                if let line = orderLine(element, "orderLines[\(index)]", &check) { lines.append(line) }
            }
        } else if let value = root["orderLines"], value != .null {
            check.fail("orderLines", "Must be an array, got \(value.typeName).")
        } else {
            check.fail("orderLines", "The orderLines field is required.")
        }
        var currency: String?
        if let bottom = check.object(root["bottomLine"], "bottomLine", required: true) {
            currency = check.string(bottom["currency"], "bottomLine.currency", required: true, allowed: FieldValidator.currencies)
            _ = check.integer(bottom["tipAmount"], "bottomLine.tipAmount", required: false, range: 0...Int64.max)
            _ = check.string(bottom["posId"], "bottomLine.posId", required: false)
            _ = check.string(bottom["receiptNumber"], "bottomLine.receiptNumber", required: false)
            if let barcode = check.object(bottom["barcode"], "bottomLine.barcode", required: false) {
                _ = check.string(barcode["format"], "bottomLine.barcode.format", required: true, allowed: ["EAN-13", "CODE 39", "CODE 128"])
                _ = check.string(barcode["data"], "bottomLine.barcode.data", required: true)
            }
            _ = check.object(bottom["paymentSources"], "bottomLine.paymentSources", required: false)
        }
        try check.finish()
        return LedgerReceipt(id: "", currency: currency ?? "", orderLines: lines, createdAt: Date(timeIntervalSince1970: 0))
    }

    private static func orderLine(_ value: JSONValue, _ path: String, _ check: inout FieldValidator) -> LedgerReceiptLine? {
        guard let line = check.object(value, path, required: true) else { return nil }
        let name = check.string(line["name"], "\(path).name", required: true)
        let id = check.string(line["id"], "\(path).id", required: true)
        // The spec bounds only discounts, tips and unit prices below; totals are any int64.
        let amounts = 0...Int64.max
        let total = check.integer(line["totalAmount"], "\(path).totalAmount", required: true, range: Int64.min...Int64.max)
        let excluding = check.integer(line["totalAmountExcludingTax"], "\(path).totalAmountExcludingTax", required: true, range: Int64.min...Int64.max)
        let tax = check.integer(line["totalTaxAmount"], "\(path).totalTaxAmount", required: true, range: Int64.min...Int64.max)
        let percentage = check.integer(line["taxPercentage"], "\(path).taxPercentage", required: false, range: 0...100)
        let rate = check.integer(line["taxRate"], "\(path).taxRate", required: false, range: 0...10_000)
        if line["taxPercentage"] ?? .null == .null && line["taxRate"] ?? .null == .null {
            check.fail("\(path).taxRate", "Either taxRate or taxPercentage must be set.")
        }
        _ = check.integer(line["discount"], "\(path).discount", required: false, range: amounts)
        _ = check.string(line["productUrl"], "\(path).productUrl", required: false)
        let isReturn = boolean(line["isReturn"], "\(path).isReturn", &check)
        _ = boolean(line["isShipping"], "\(path).isShipping", &check)
        var unitPrice: Int64?
        var quantity: String?
        var unit: String?
        if let info = check.object(line["unitInfo"], "\(path).unitInfo", required: false) {
            unitPrice = check.integer(info["unitPrice"], "\(path).unitInfo.unitPrice", required: true, range: amounts)
            quantity = check.string(info["quantity"], "\(path).unitInfo.quantity", required: true, length: 1...10, pattern: #"^\d+([\.]\d{1,8})?$"#)
            unit = check.string(info["quantityUnit"], "\(path).unitInfo.quantityUnit", required: false, allowed: quantityUnits)
        }
        if let total, let excluding, let tax {
            let (sum, overflow) = excluding.addingReportingOverflow(tax)
            if overflow || sum != total {
                check.fail("\(path).totalAmount", "Must be totalAmountExcludingTax + totalTaxAmount (\(excluding) + \(tax)), got \(total).")
            }
        }
        guard let name, let id, let total, let excluding, let tax else { return nil }
        return LedgerReceiptLine(
            name: name, id: id, totalAmount: total, totalAmountExcludingTax: excluding, totalTaxAmount: tax,
            taxRate: rate ?? percentage.map { $0 * 100 }, unitPrice: unitPrice, quantity: quantity, quantityUnit: unit,
            isReturn: isReturn ?? false)
    }

    private static func boolean(_ value: JSONValue?, _ name: String, _ check: inout FieldValidator) -> Bool? {
        guard let value, value != .null else { return nil }
        guard case .bool(let flag) = value else {
            check.fail(name, "Must be a boolean, got \(value.typeName).")
            return nil
        }
        return flag
    }
}
