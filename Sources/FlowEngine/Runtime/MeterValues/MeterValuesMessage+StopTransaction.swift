/// OCPP 1.6 `StopTransaction.req` (schema `StopTransaction.json`): `transactionId` (integer), `meterStop` (integer,
/// the meter's register in Wh when the transaction stopped), `timestamp`, and optional `idTag`, `reason` and
/// `transactionData[]` (meter values as in `MeterValues.req`, typically with context `Transaction.End`).
///
/// It ends the transaction, so it becomes the definition's `ended` signal. The energy billed is `meterStop`: the
/// field every `StopTransaction.req` carries, already in whole Wh, and the value OCPP 1.6 defines as the end
/// register (the `transactionData` samples are checked for their shape, but not billed from: they are optional,
/// and where present their `Transaction.End` register is the same reading, in whatever unit the station chose).
/// The signal id is `ocpp1.6/<transactionId>/stop`, so a repeat changes nothing.
extension MeterValuesMessage {
    static let stopReasons = [
        "DeAuthorized", "EmergencyStop", "EVDisconnected", "HardReset", "Local", "Other", "PowerLoss", "Reboot", "Remote", "SoftReset",
        "UnlockCommand",
    ]

    /// The message name in a reading of a `StopTransaction.req` (its signal id depends on it).
    static let stopTransactionAction = "StopTransaction"

    static func stopTransaction(_ message: OCPPObject) throws(MeterValuesError) -> MeterReading {
        let transaction = try message.integer("transactionId", required: true) ?? 0
        let meterStop = try message.integer("meterStop", required: true, minimum: 0) ?? 0
        let stoppedAt = try timestamp(message)
        _ = try message.string("idTag", maximumLength: 20)
        let reason = try message.enumeration("reason", stopReasons)
        if message.has("transactionData") {
            _ = try samples16(try message.objects("transactionData", what: "transaction data (meter values)"))
        }
        return MeterReading(
            ocppVersion: "1.6", message: stopTransactionAction, transactionID: String(transaction), transactionPath: message.fieldPath("transactionId"),
            sequenceNumber: nil, timestamp: stoppedAt, energyWh: meterStop, exactWattHours: nil,
            sample: "meterStop \(meterStop) Wh" + (reason.map { " (reason \($0))" } ?? ""), samplePath: message.fieldPath("meterStop"), ended: true)
    }
}
