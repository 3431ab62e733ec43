import Foundation

/// Who did an operator action, as the timeline records it: a short name (`--by`, the OS user, an API token's name).
///
/// Checked wherever it enters, so a timeline never holds a paragraph, a control character or what looks like a
/// phone number where a name belongs.
package enum OperatorName {
    /// The longest name accepted, in UTF-8 bytes.
    package static let limit = 64

    /// Refuses an empty name, one longer than ``limit``, one with control characters, or eight or more digits
    /// only (a phone number has no place in the timeline).
    /// - Throws: ``FlowError`` `.invalidInput` naming the field `by`.
    package static func check(_ name: String, instanceID: String? = nil) throws(FlowError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            throw FlowError(.invalidInput, instanceID: instanceID, detail: "by (who does it) is empty: give a short operator name, for example --by alice")
        }
        try InputLimits.check(name, field: "by (the operator's name)", limit: limit, instanceID: instanceID)
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw FlowError(.invalidInput, instanceID: instanceID, detail: "by (the operator's name) contains control characters; give a short name such as alice")
        }
        let digits = name.unicodeScalars.filter { ("0"..."9").contains($0) }.count
        if digits >= 8 && digits == name.unicodeScalars.filter({ $0 != "+" && $0 != " " }).count {
            throw FlowError(.invalidInput, instanceID: instanceID, detail: "by (the operator's name) looks like a phone number; give a name such as alice, never a phone number")
        }
    }
}
