/// One JSON object of an OCPP message, read field by field with the types the OCPP JSON schemas give, each
/// problem reported with the field's JSON path.
///
/// Fields evflow does not read (`customData`, `evse`, `idToken`, vendor extensions) are left alone: a station
/// backend forwards messages unchanged, and a field added by a firmware update must not stop billing.
struct OCPPObject {
    let path: String
    private let members: [String: JSONNode]

    init(_ node: JSONNode, path: String, what: String) throws(MeterValuesError) {
        guard case .object(let list) = node.kind else {
            throw MeterValuesError(.invalidField, field: path, "expected \(what) as a JSON object, found \(node.typeName)")
        }
        self.path = path
        members = Dictionary(list.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    func has(_ key: String) -> Bool { members[key] != nil }

    func isNumber(_ key: String) -> Bool {
        if case .number? = members[key]?.kind { true } else { false }
    }

    func fieldPath(_ key: String) -> String { DefinitionDecoder.path(path, key) }

    private func node(_ key: String, required: Bool, what: String) throws(MeterValuesError) -> JSONNode? {
        guard let node = members[key], node.kind != .null else {
            if required { throw MeterValuesError(.invalidField, field: fieldPath(key), "missing required field \"\(key)\" (\(what))") }
            return nil
        }
        return node
    }

    func string(_ key: String, required: Bool = false, maximumLength: Int = 1000) throws(MeterValuesError) -> String? {
        guard let node = try node(key, required: required, what: "a string") else { return nil }
        guard case .string(let text) = node.kind else {
            throw MeterValuesError(.invalidField, field: fieldPath(key), "expected a string, found \(node.typeName)")
        }
        guard text.utf8.count <= maximumLength else {
            throw MeterValuesError(.invalidField, field: fieldPath(key), "longer than \(maximumLength) characters")
        }
        return text
    }

    /// A string that must be one of `allowed` (an OCPP enumeration).
    func enumeration(_ key: String, _ allowed: [String], required: Bool = false) throws(MeterValuesError) -> String? {
        guard let text = try string(key, required: required) else { return nil }
        guard allowed.contains(text) else {
            throw MeterValuesError(.invalidField, field: fieldPath(key), "\(InstanceID.printable(text)) is not one of \(allowed.joined(separator: ", "))")
        }
        return text
    }

    func integer(_ key: String, required: Bool = false, minimum: Int64 = Int64.min) throws(MeterValuesError) -> Int64? {
        guard let node = try node(key, required: required, what: "an integer") else { return nil }
        guard case .number(let text) = node.kind, let value = Int64(text) else {
            let found = node.typeName == "a number" ? "a non-integer or too large number" : node.typeName
            throw MeterValuesError(.invalidField, field: fieldPath(key), "expected an integer, found \(found)")
        }
        guard value >= minimum else {
            throw MeterValuesError(.invalidField, field: fieldPath(key), "\(value) is below the minimum \(minimum)")
        }
        return value
    }

    /// A JSON number's literal text, exactly as the station wrote it (never converted through `Double`).
    func numberText(_ key: String, required: Bool = false) throws(MeterValuesError) -> String? {
        guard let node = try node(key, required: required, what: "a number") else { return nil }
        guard case .number(let text) = node.kind else {
            throw MeterValuesError(.invalidField, field: fieldPath(key), "expected a number, found \(node.typeName)")
        }
        return text
    }

    func object(_ key: String, required: Bool = false, what: String) throws(MeterValuesError) -> OCPPObject? {
        guard let node = try node(key, required: required, what: what) else { return nil }
        return try OCPPObject(node, path: fieldPath(key), what: what)
    }

    /// The elements of an array of objects, each with its path; OCPP's arrays here have at least one element.
    func objects(_ key: String, required: Bool = false, what: String) throws(MeterValuesError) -> [OCPPObject] {
        guard let node = try node(key, required: required, what: "an array of \(what)") else { return [] }
        guard case .array(let elements) = node.kind else {
            throw MeterValuesError(.invalidField, field: fieldPath(key), "expected an array of \(what), found \(node.typeName)")
        }
        guard !elements.isEmpty else {
            throw MeterValuesError(.invalidField, field: fieldPath(key), "expected at least one element (minItems 1 in the OCPP schema)")
        }
        var result: [OCPPObject] = []
        for (index, element) in elements.enumerated() {
            result.append(try OCPPObject(element, path: "\(fieldPath(key))[\(index)]", what: what))
        }
        return result
    }
}
