import Foundation

/// Validates a `CreatePaymentRequest` body field by field against the spec (v1.7.0), reporting every problem.
enum CreatePaymentRequestValidator {
    static let userFlows = ["PUSH_MESSAGE", "NATIVE_REDIRECT", "WEB_REDIRECT", "QR"]
    static let scopes: Set<Substring> = ["name", "address", "email", "phoneNumber", "birthDate", "nin"]

    static func validate(_ body: JSONValue?, msn: String) throws(Problem) -> CreatePaymentInput {
        var check = FieldValidator()
        guard let body, let root = check.object(body, "body", required: true) else {
            try check.finish()
            throw Problem.validation([.init(name: "body", reason: "A CreatePaymentRequest body is required.")])
        }
        let amount = check.amount(root["amount"], "amount")
        let reference = check.reference(root["reference"], "reference")
        let userFlow = check.string(root["userFlow"], "userFlow", required: true, allowed: userFlows)
        var methodType: String?
        if let method = check.object(root["paymentMethod"], "paymentMethod", required: true) {
            methodType = check.string(method["type"], "paymentMethod.type", required: true, allowed: ["WALLET", "CARD"])
            if let blocked = method["blockedSources"], blocked != .null {
                if case .array(let items) = blocked {
                    for (index, item) in items.enumerated() where item != .string("COMMERCIAL_CARDS") {
                        check.fail("paymentMethod.blockedSources[\(index)]", "Must be COMMERCIAL_CARDS.")
                    }
                } else {
                    check.fail("paymentMethod.blockedSources", "Must be an array.")
                }
            }
        }
        if methodType == "CARD", let userFlow, userFlow != "WEB_REDIRECT" {
            check.fail("paymentMethod.type", "CARD requires userFlow WEB_REDIRECT.")
        }
        check.customer(root["customer"], "customer", required: userFlow == "PUSH_MESSAGE")
        if let returnUrl = check.string(root["returnUrl"], "returnUrl", required: userFlow == "WEB_REDIRECT") {
            let scheme = returnUrl.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            if !returnUrl.contains(":") || scheme == "http" || scheme.isEmpty {
                check.fail("returnUrl", "Must use the https:// scheme or a custom URL scheme.")
            }
        }
        _ = check.string(root["paymentDescription"], "paymentDescription", required: false, length: 3...100)
        let interaction = check.string(root["customerInteraction"], "customerInteraction", required: false, allowed: ["CUSTOMER_PRESENT", "CUSTOMER_NOT_PRESENT"])
        _ = check.integer(root["minimumUserAge"], "minimumUserAge", required: false, range: 0...100)
        _ = check.string(root["receiptUrl"], "receiptUrl", required: false)
        var expiresAt: Date?
        if let text = check.string(root["expiresAt"], "expiresAt", required: false) {
            expiresAt = FieldValidator.date(text)
            if expiresAt == nil { check.fail("expiresAt", "Must be an RFC 3339 timestamp, for example 2026-02-26T17:32:28Z.") }
        }
        var scopeRequested = false
        if let profile = check.object(root["profile"], "profile", required: false),
            let scope = check.string(profile["scope"], "profile.scope", required: false)
        {
            let unknown = scope.split(separator: " ").filter { !scopes.contains($0) }
            if !unknown.isEmpty { check.fail("profile.scope", "Unknown scope values: \(unknown.joined(separator: ", ")).") }
            scopeRequested = !scope.isEmpty
        }
        var qrFormat: CreatePaymentInput.QRFormat?
        if let qr = check.object(root["qrFormat"], "qrFormat", required: false) {
            // Spec: "Optional setting that is only applicable when userFlow is set to QR".
            if let userFlow, userFlow != "QR" { check.fail("qrFormat", "Only applicable when userFlow is QR, got \(userFlow).") }
            let format = check.string(qr["format"], "qrFormat.format", required: true, allowed: ["TEXT/TARGETURL", "IMAGE/SVG+XML", "IMAGE/PNG"])
            let size = check.integer(qr["size"], "qrFormat.size", required: false, range: 100...2000)
            if let format { qrFormat = .init(format: format, size: size.map(Int.init)) }
        }
        var hasReceipt = false
        if let receipt = check.object(root["receipt"], "receipt", required: expiresAt != nil) {
            hasReceipt = true
            if case .array(let lines)? = receipt["orderLines"], !lines.isEmpty {} else {
                check.fail("receipt.orderLines", "Must be an array with at least one order line.")
            }
            if let bottomLine = check.object(receipt["bottomLine"], "receipt.bottomLine", required: true) {
                _ = check.string(bottomLine["currency"], "receipt.bottomLine.currency", required: true, allowed: FieldValidator.currencies)
            }
        }
        _ = check.object(root["industryData"], "industryData", required: false)
        let metadata = validateMetadata(root["metadata"], &check)
        try check.finish()
        guard let amount, let reference, let userFlow, let methodType else {
            throw Problem.validation([.init(name: "body", reason: "Invalid CreatePaymentRequest.")])
        }
        if let minimum = FieldValidator.minimumAmount[amount.currency], amount.value < minimum {
            throw Problem.domain(
                .amountTooSmall,
                detail: "The minimum amount in \(amount.currency) is \(minimum) minor units, got \(amount.value)."
            )
        }
        return CreatePaymentInput(
            msn: msn, reference: reference, amount: amount, userFlow: userFlow, paymentMethodType: methodType,
            expiresAt: expiresAt, hasReceipt: hasReceipt, metadata: metadata, profileScopeRequested: scopeRequested,
            qrFormat: qrFormat, customerInteraction: interaction
        )
    }

    private static func validateMetadata(_ value: JSONValue?, _ check: inout FieldValidator) -> [String: String]? {
        guard let object = check.object(value, "metadata", required: false) else { return nil }
        if object.count > 5 { check.fail("metadata", "At most 5 key-value pairs, got \(object.count).") }
        var result: [String: String] = [:]
        for (key, entry) in object.sorted(by: { $0.key < $1.key }) {
            if key.count > 100 { check.fail("metadata.\(key)", "Keys are at most 100 characters.") }
            guard let text = entry.string else {
                check.fail("metadata.\(key)", "Values must be strings, got \(entry.typeName).")
                continue
            }
            if text.count > 500 { check.fail("metadata.\(key)", "Values are at most 500 characters.") }
            result[key] = text
        }
        return result
    }
}
