/// An OCPP meter-values message that evflow cannot bill from, naming the field (a JSON path into the message as
/// sent, for example `$.meterValue[0].sampledValue[1].value`) and what to change.
///
/// Nothing was stored: the station backend can fix the message (or its own forwarding) and send it again. The
/// HTTP API answers it as a 400 problem whose `field` is ``field``; `evflow meter-values` exits 2.
public struct MeterValuesError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is, for programs that react differently to each.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String {
            case malformed, invalidField, noEnergySample, unsupportedUnit, transactionMismatch
        }
        fileprivate let base: Base
        /// Not JSON, or neither an OCPP 1.6 `MeterValues` nor an OCPP 2.0.1 `TransactionEvent` request.
        public static let malformed = Code(base: .malformed)
        /// A field is missing, of the wrong JSON type, or has a value the specification does not allow.
        public static let invalidField = Code(base: .invalidField)
        /// No cumulative `Energy.Active.Import.Register` total in the message.
        public static let noEnergySample = Code(base: .noEnergySample)
        /// The energy sample's unit is not `Wh` or `kWh`.
        public static let unsupportedUnit = Code(base: .unsupportedUnit)
        /// The message belongs to another transaction than the one the instance is metering.
        public static let transactionMismatch = Code(base: .transactionMismatch)
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The JSON path of the offending field in the message as sent (`$` for the whole message).
    public var field: String
    /// What is wrong and what to do.
    public var detail: String
    /// The instance the message was for, once known.
    public var instanceID: String?

    package init(_ code: Code, field: String, _ detail: String, instanceID: String? = nil) {
        self.code = code
        self.field = field
        self.detail = detail
        self.instanceID = instanceID
    }

    public var description: String {
        let prefix = instanceID.map { "instance \(InstanceID.printable($0)): " } ?? ""
        return "\(prefix)\(field): \(detail)"
    }
}
