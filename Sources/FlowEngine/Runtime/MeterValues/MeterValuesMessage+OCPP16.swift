/// OCPP 1.6 `MeterValues.req` (schema `MeterValues.json`): `connectorId`, `transactionId`, `meterValue[]` of
/// `timestamp` and `sampledValue[]`, whose `value` is decimal text.
extension MeterValuesMessage {
    static let readingContexts = [
        "Interruption.Begin", "Interruption.End", "Sample.Clock", "Sample.Periodic", "Transaction.Begin", "Transaction.End", "Trigger", "Other",
    ]

    static func meterValues(_ message: OCPPObject) throws(MeterValuesError) -> MeterReading {
        _ = try message.integer("connectorId", required: true, minimum: 0)
        guard let transaction = try message.integer("transactionId") else {
            throw MeterValuesError(.invalidField, field: message.fieldPath("transactionId"),
                "missing \"transactionId\": only meter values of a transaction can be billed (values sent outside one, or from the main meter, cannot)")
        }
        let (samples, ended) = try samples16(try message.objects("meterValue", required: true, what: "meter values"))
        guard let sample = try latest(samples, in: message, allowNone: false) else {
            throw MeterValuesError(.noEnergySample, field: message.fieldPath("meterValue"), "no \(energyRegister) sample")
        }
        let unit = try sample.sampledValue.string("unit") ?? "Wh"
        let energy = try convert(sample, unit: unit, unitField: sample.sampledValue.fieldPath("unit"), multiplier: 0)
        return MeterReading(
            ocppVersion: "1.6", message: "MeterValues", transactionID: String(transaction), transactionPath: message.fieldPath("transactionId"),
            sequenceNumber: nil, timestamp: sample.timestamp, energyWh: energy.wattHours, exactWattHours: energy.exactWattHours,
            sample: "\(sample.value) \(unit)", samplePath: sample.sampledValue.path, ended: ended)
    }

    /// The energy-register totals of OCPP 1.6 `meterValue` elements (`MeterValues.req`'s `meterValue`,
    /// `StopTransaction.req`'s `transactionData`), each field checked, and whether one has context `Transaction.End`.
    static func samples16(_ meterValues: [OCPPObject]) throws(MeterValuesError) -> (samples: [Sample], ended: Bool) {
        var samples: [Sample] = []
        var ended = false
        for meterValue in meterValues {
            let timestamp = try timestamp(meterValue)
            var candidates: [OCPPObject] = []
            for sampledValue in try meterValue.objects("sampledValue", required: true, what: "sampled values") {
                if sampledValue.isNumber("value") {
                    throw MeterValuesError(.invalidField, field: sampledValue.fieldPath("value"),
                                           "expected a string, found a number (OCPP 1.6 sends a sampled value as text, for example \"12.345\")")
                }
                _ = try sampledValue.string("value", required: true)
                if try sampledValue.enumeration("context", readingContexts) == "Transaction.End" { ended = true }
                let format = try sampledValue.enumeration("format", ["Raw", "SignedData"])
                let measurand = try sampledValue.string("measurand") ?? energyRegister
                for field in ["phase", "location", "unit"] { _ = try sampledValue.string(field) }
                // A SignedData value is a signed blob, not a number; the station sends the Raw one beside it.
                if measurand == energyRegister && format != "SignedData" { candidates.append(sampledValue) }
            }
            if let total = try total(of: candidates) {
                samples.append(Sample(timestamp: timestamp, sampledValue: total, value: try total.string("value") ?? ""))
            }
        }
        return (samples, ended)
    }
}
