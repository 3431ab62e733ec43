/// What became of OCPP meter values sent to an instance: the signal they became and the reading taken from them.
public struct MeterValuesReceipt: Sendable, Equatable, Encodable {
    /// The instance id.
    public var instance: String
    /// The flow's signal the message became (the definition's `meterValues.reading` or `meterValues.ended`).
    public var signal: String
    /// Derived from the transaction and `seqNo` (2.0.1) or sample time (1.6): the same message again has the same id.
    public var signalID: String
    /// `true` when the message became a new signal for the flow. `false` when it had already been received (a
    /// forwarded duplicate: nothing changed), or when it carries no reading for the flow (see ``ignored``).
    public var accepted: Bool
    /// Why a valid message gives the flow no signal: an OCPP 2.0.1 `Started` or `Updated` event without an
    /// energy sample. It was still stored before the answer and its `seqNo` is taken in, so the next event is
    /// not reported as following a gap. `nil` otherwise.
    public var ignored: String?
    /// `"1.6"` or `"2.0.1"`.
    public var ocppVersion: String
    /// The OCPP transaction the message belongs to (1.6 `transactionId`, 2.0.1 `transactionInfo.transactionId`).
    public var transactionID: String
    /// OCPP 2.0.1 `seqNo`.
    public var sequenceNumber: Int64?
    /// The cumulative energy read from the message in whole Wh (rounded down); `nil` for an end without a sample.
    /// The instance never lets its energy go below a reading it already took (its timeline says so when one is lower).
    public var energyWh: Int64?
    /// The exact value in Wh when it was not whole, for example `"12345.6"` (then ``energyWh`` is 12345).
    public var exactWattHours: String?
    /// The message ended the transaction (1.6 `Transaction.End`, 2.0.1 `eventType: Ended`).
    public var ended: Bool

    enum CodingKeys: String, CodingKey {
        case instance, signal, signalID = "signalId", accepted, ignored, ocppVersion, transactionID = "transactionId"
        case sequenceNumber = "seqNo", energyWh, exactWattHours, ended
    }
}
