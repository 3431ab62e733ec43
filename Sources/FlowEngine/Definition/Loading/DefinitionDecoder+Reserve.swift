/// The `reserve` step, with the field combinations the ePayment spec allows (`CreatePaymentRequest`: a customer
/// for `PUSH_MESSAGE`, a `returnUrl` for the redirect flows, `qrFormat` for `QR`), checked here so a definition the
/// provider would refuse never starts a session.
extension DefinitionDecoder {
    func reserve(_ fields: [String: JSONNode], _ path: String, node: JSONNode) -> ReserveStep? {
        let amount = required(fields["amount"], "\(path).amount", expect: .money)
        let description = required(fields["paymentDescription"], "\(path).paymentDescription", expect: .string)
        if description.source != "<invalid>", case .string(let text) = description.syntax.kind, !(3...100).contains(text.count), let descriptionNode = fields["paymentDescription"] {
            report("\(path).paymentDescription", descriptionNode.position, "payment description must be 3-100 characters, is \(text.count)")
        }
        var userFlow = ReserveStep.UserFlow.pushMessage
        if let flowNode = fields["userFlow"], let text = string(flowNode, "\(path).userFlow") {
            if let flow = ReserveStep.UserFlow(rawValue: text) {
                userFlow = flow
            } else {
                report("\(path).userFlow", flowNode.position, "unknown userFlow \"\(text)\"",
                       hint: "one of: \(ReserveStep.UserFlow.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let phone = expression(fields["customerPhone"], "\(path).customerPhone", expect: .phoneNumber)
        let returnURL = expression(fields["returnUrl"], "\(path).returnUrl", expect: .string)
        checkCustomer(fields, path, node: node, userFlow: userFlow)
        checkReturnURL(fields, path, node: node, userFlow: userFlow, returnURL: returnURL)
        var interaction: ReserveStep.CustomerInteraction?
        if let interactionNode = fields["customerInteraction"], let text = string(interactionNode, "\(path).customerInteraction") {
            interaction = ReserveStep.CustomerInteraction(rawValue: text)
            if interaction == nil {
                report("\(path).customerInteraction", interactionNode.position, "unknown customerInteraction \"\(text)\"",
                       hint: "one of: \(ReserveStep.CustomerInteraction.allCases.map(\.rawValue).joined(separator: ", ")) (a charger is CUSTOMER_PRESENT)")
            }
        }
        let qrFormat = fields["qrFormat"].flatMap { decodeQRFormat($0, "\(path).qrFormat", userFlow: userFlow) }
        var reference: Expression?
        if let referenceNode = fields["reference"] {
            reference = expression(referenceNode, "\(path).reference", expect: .string)
            if let reference, case .string(let text) = reference.syntax.kind, !Self.isValidReference(text) {
                report("\(path).reference", referenceNode.position, "payment reference \"\(text)\" is invalid", hint: "8-64 letters, digits and hyphens")
            }
        } else {
            reference = try? Expression(parsing: "'evflow-' + instance.id", in: scope)
        }
        guard let reference, let next = transition(fields["next"], "\(path).next") else { return nil }
        return ReserveStep(amount: amount, description: description, userFlow: userFlow, customerPhone: phone, returnURL: returnURL,
                           customerInteraction: interaction, qrFormat: qrFormat, reference: reference, next: next)
    }

    /// A phone number is what `PUSH_MESSAGE` sends the push to, and only that flow takes one: in the others the
    /// customer identifies themselves in the app or on the landing page.
    private func checkCustomer(_ fields: [String: JSONNode], _ path: String, node: JSONNode, userFlow: ReserveStep.UserFlow) {
        if userFlow == .pushMessage, fields["customerPhone"] == nil {
            report(path, node.position, "userFlow PUSH_MESSAGE needs \"customerPhone\"", hint: "add \"customerPhone\": \"inputs.phoneNumber\" with an input of type phoneNumber")
        }
        if userFlow != .pushMessage, let phoneNode = fields["customerPhone"] {
            report("\(path).customerPhone", phoneNode.position, "\"customerPhone\" is only for userFlow PUSH_MESSAGE, not \(userFlow.rawValue)",
                   hint: "remove it: with \(userFlow.rawValue) the customer confirms in the app they open from the link, so evflow needs no phone number")
        }
    }

    /// The redirect flows bring the customer back through `returnUrl` (https or a custom scheme, spec: `returnUrl`).
    private func checkReturnURL(_ fields: [String: JSONNode], _ path: String, node: JSONNode, userFlow: ReserveStep.UserFlow, returnURL: Expression?) {
        if userFlow == .webRedirect || userFlow == .nativeRedirect, fields["returnUrl"] == nil {
            report(path, node.position, "userFlow \(userFlow.rawValue) needs \"returnUrl\"",
                   hint: "add \"returnUrl\": \"inputs.returnUrl\" (an https:// URL of your landing page) so the customer comes back after approving")
        }
        if let returnURL, case .string(let text) = returnURL.syntax.kind, let returnNode = fields["returnUrl"] {
            let scheme = text.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            if !text.contains(":") || scheme.isEmpty || scheme == "http" {
                report("\(path).returnUrl", returnNode.position, "returnUrl \"\(text)\" must use https:// or a custom URL scheme",
                       hint: "for example \"https://charge.example.com/return\"")
            }
        }
    }

    /// `qrFormat`: `{format, size?}`, only with `userFlow: QR`; `size` (100-2000) only for `IMAGE/PNG`.
    private func decodeQRFormat(_ node: JSONNode, _ path: String, userFlow: ReserveStep.UserFlow) -> ReserveStep.QRFormat? {
        let formats = ReserveStep.QRFormat.Format.allCases.map(\.rawValue).joined(separator: ", ")
        if userFlow != .qr {
            report(path, node.position, "\"qrFormat\" is only for userFlow QR, not \(userFlow.rawValue)",
                   hint: "remove it, or set \"userFlow\": \"QR\"")
        }
        guard let members = members(node, path, allowed: ["format", "size"], required: ["format"], what: "a qrFormat") else { return nil }
        var format: ReserveStep.QRFormat.Format?
        if let formatNode = members["format"], let text = string(formatNode, "\(path).format") {
            format = ReserveStep.QRFormat.Format(rawValue: text)
            if format == nil {
                report("\(path).format", formatNode.position, "unknown qrFormat.format \"\(text)\"",
                       hint: "one of: \(formats) (TEXT/TARGETURL for a charger that draws the QR code itself)")
            }
        }
        let size = integer(members["size"], "\(path).size", in: 100...2000).map(Int.init)
        if let sizeNode = members["size"], let format, format != .png {
            report("\(path).size", sizeNode.position, "qrFormat.size applies only to IMAGE/PNG, not \(format.rawValue)",
                   hint: "remove \"size\", or use \"format\": \"IMAGE/PNG\"")
        }
        guard let format, userFlow == .qr else { return nil }
        return ReserveStep.QRFormat(format: format, size: size)
    }
}
