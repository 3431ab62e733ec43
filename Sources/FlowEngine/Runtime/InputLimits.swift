/// The longest caller-supplied strings evflow stores, whichever way they arrive (HTTP API, CLI, embedding API).
///
/// Every string a caller sends ends up in an instance file that is rewritten on every save, and in error
/// messages; without a bound, 100 signals with 60 KB ids grew one instance file to 18 MB. The limits are in
/// UTF-8 bytes (for ASCII ids, characters) and documented in `docs/api.yaml` and the README.
///
/// ```swift
/// try InputLimits.check(signalID, field: "signalId", limit: InputLimits.signalID)
/// ```
public enum InputLimits {
    /// A signal id (`signalId`): the sender's de-duplication key, for example `reading-4711-17`.
    public static let signalID = 128
    /// A signal name in a request, for example `meterReading` (it must also be declared by the flow).
    public static let signalName = 64
    /// An operator's or backend's reason (cancel, retry, resume), kept in the instance's history.
    public static let reason = 1_000
    /// A string value in a flow's inputs or a signal's data.
    public static let text = 1_000

    /// Refuses `value` when it is longer than `limit` bytes of UTF-8.
    /// - Parameters:
    ///   - field: the name the caller used for it (`signalId`, `reason`, `input 'stationId'`), named in the error.
    /// - Throws: ``FlowError`` `.invalidInput` naming the field, its length and the limit.
    public static func check(_ value: String, field: String, limit: Int, flow: String? = nil, instanceID: String? = nil) throws(FlowError) {
        let length = value.utf8.count
        guard length > limit else { return }
        throw FlowError(.invalidInput, flow: flow, instanceID: instanceID,
                        detail: "\(field) is \(length) bytes; at most \(limit) are accepted (UTF-8): send a shorter \(field)")
    }

    /// Refuses any string in `values` (inputs or signal data) longer than ``text``.
    /// - Parameter what: `input` or `signal meterReading field`, for the error.
    /// - Throws: ``FlowError`` `.invalidInput` naming the first field that is too long.
    public static func check(_ values: [String: Value], what: String, flow: String? = nil, instanceID: String? = nil) throws(FlowError) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .string(let text), .phoneNumber(let text):
                try check(text, field: "\(what) '\(name)'", limit: Self.text, flow: flow, instanceID: instanceID)
            default: continue
            }
        }
    }
}
