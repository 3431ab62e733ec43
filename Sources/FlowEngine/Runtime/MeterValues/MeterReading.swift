/// The energy reading evflow took from one OCPP message, carried with the signal it becomes so that the instance
/// can check it against the readings before it (regressions, `seqNo` gaps) and say in its timeline what it used.
package struct MeterReading: Codable, Sendable, Equatable {
    /// `"1.6"` or `"2.0.1"`.
    package var ocppVersion: String
    /// `MeterValues`, `StopTransaction`, or `TransactionEvent Updated` (with its `eventType`).
    package var message: String
    /// The OCPP transaction id as text (1.6 sends an integer, 2.0.1 a string).
    package var transactionID: String
    /// Where the transaction id is in the message, for an error about it (`$.transactionInfo.transactionId`).
    package var transactionPath: String
    /// OCPP 2.0.1 `seqNo`; 1.6 has none.
    package var sequenceNumber: Int64?
    /// When the chosen sample was taken (2.0.1 without a meter value: the event's time).
    package var timestamp: StationTimestamp
    /// Cumulative energy in whole Wh, rounded down; `nil` for an end of transaction that carried no energy sample.
    package var energyWh: Int64?
    /// The exact value in Wh when it was not whole, for example `"12345.6"`.
    package var exactWattHours: String?
    /// The sample as sent, for the timeline: `"12.3456 kWh"`, `"123456 Wh × 10^-1"`.
    package var sample: String?
    /// Where in the message the sample was, for example `$.meterValue[1].sampledValue[0]`.
    package var samplePath: String?
    /// The transaction ended (1.6 `Transaction.End` context or `StopTransaction`, 2.0.1 `eventType: Ended`).
    package var ended: Bool
    /// The signal field the energy goes in (the definition's `meterValues.energyField`); set when delivered.
    package var energyField: String = "energyWh"

    /// Derived from what identifies the message in OCPP, so a message forwarded twice is one signal: the
    /// transaction and `seqNo` in 2.0.1 (zero-padded, so one transaction's ids sort in sequence); the
    /// transaction, the sample's time and whether it ended the transaction in 1.6 `MeterValues`; the transaction
    /// and `stop` for a 1.6 `StopTransaction` (a transaction stops once).
    package var signalID: String {
        if message == MeterValuesMessage.stopTransactionAction { return "ocpp\(ocppVersion)/\(transactionID)/stop" }
        if let sequenceNumber {
            let digits = String(sequenceNumber)
            return "ocpp\(ocppVersion)/\(transactionID)/seq/\(String(repeating: "0", count: max(0, 10 - digits.count)))\(digits)"
        }
        return "ocpp\(ocppVersion)/\(transactionID)/\(timestamp.text)/\(ended ? "end" : "reading")"
    }

    /// Why the message gives the flow no signal, or `nil` when it does: an OCPP 2.0.1 `Started` or `Updated`
    /// event without an energy sample (a `ChargingStateChanged`, say). It is still stored and taken in, for its
    /// `seqNo`, so that a later event is not reported as following a gap.
    package var ignoredReason: String? {
        guard energyWh == nil, !ended else { return nil }
        let sequence = sequenceNumber.map { "; its seqNo \($0) is noted, so no gap is reported" } ?? ""
        return "\(message) carries no \(MeterValuesMessage.energyRegister) sample, so there is no reading for the flow\(sequence)"
    }

    /// One line for the timeline: what was read, from where, and the rounding if any.
    package var summary: String {
        var text = "OCPP \(ocppVersion) \(message), transaction \(transactionID)"
        if let sequenceNumber { text += ", seqNo \(sequenceNumber)" }
        text += ", at \(timestamp.text): "
        if let energyWh {
            text += "\(sample ?? "\(energyWh) Wh") = \(energyWh) Wh"
            if let exactWattHours { text += " (\(exactWattHours) Wh rounded down to whole Wh)" }
        } else {
            text += "no energy sample"
        }
        if ended { text += "; transaction ended" }
        return text
    }
}
