/// OCPP 2.0.1 `TransactionEventRequest` (schema `TransactionEventRequest.json`): `eventType`, `timestamp`,
/// `triggerReason`, `seqNo`, `transactionInfo.transactionId`, and optional `meterValue[]` whose sampled `value`
/// is a JSON number with a `unitOfMeasure` of `unit` (default Wh) and a power-of-ten `multiplier`. An event
/// without an energy-register sample is read too, with no energy (see ``MeterReading/ignoredReason``).
extension MeterValuesMessage {
    static func transactionEvent(_ message: OCPPObject) throws(MeterValuesError) -> MeterReading {
        let eventType = try message.enumeration("eventType", ["Started", "Updated", "Ended"], required: true) ?? ""
        let eventTime = try timestamp(message)
        _ = try message.string("triggerReason", required: true)
        let sequenceNumber = try message.integer("seqNo", required: true, minimum: 0) ?? 0
        let info = try message.object("transactionInfo", required: true, what: "transaction information")
        let transaction = try info?.string("transactionId", required: true, maximumLength: 36) ?? ""
        try checkTransactionID(transaction, field: info?.fieldPath("transactionId") ?? "$")
        var samples: [Sample] = []
        for meterValue in try message.objects("meterValue", what: "meter values") {
            let timestamp = try timestamp(meterValue)
            var candidates: [OCPPObject] = []
            for sampledValue in try meterValue.objects("sampledValue", required: true, what: "sampled values") {
                _ = try sampledValue.numberText("value", required: true)
                _ = try sampledValue.enumeration("context", readingContexts)
                let measurand = try sampledValue.string("measurand") ?? energyRegister
                for field in ["phase", "location"] { _ = try sampledValue.string(field) }
                let unitOfMeasure = try sampledValue.object("unitOfMeasure", what: "a unit of measure")
                _ = try unitOfMeasure?.string("unit", maximumLength: 20)
                _ = try unitOfMeasure?.integer("multiplier")
                if measurand == energyRegister { candidates.append(sampledValue) }
            }
            if let total = try total(of: candidates) {
                samples.append(Sample(timestamp: timestamp, sampledValue: total, value: try total.numberText("value") ?? ""))
            }
        }
        // An event may carry no energy sample (a `ChargingStateChanged` Updated, a Started before the first sample):
        // it is still a valid message of the transaction. An Ended one still ends the session, at the energy seen;
        // a Started or Updated one is taken in only for its seqNo (``MeterReading/ignoredReason``).
        let ended = eventType == "Ended"
        var reading = MeterReading(
            ocppVersion: "2.0.1", message: "TransactionEvent \(eventType)", transactionID: transaction,
            transactionPath: info?.fieldPath("transactionId") ?? "$", sequenceNumber: sequenceNumber, timestamp: eventTime,
            energyWh: nil, exactWattHours: nil, sample: nil, samplePath: nil, ended: ended)
        guard let sample = try latest(samples, in: message, allowNone: true) else { return reading }
        let unitOfMeasure = try sample.sampledValue.object("unitOfMeasure", what: "a unit of measure")
        let unit = try unitOfMeasure?.string("unit") ?? "Wh"
        let multiplier = try unitOfMeasure?.integer("multiplier") ?? 0
        guard (-30...30).contains(multiplier) else {
            throw MeterValuesError(.invalidField, field: unitOfMeasure?.fieldPath("multiplier") ?? "$",
                                   "multiplier \(multiplier) is outside -30...30 (a power of ten)")
        }
        let unitField = unitOfMeasure?.fieldPath("unit") ?? sample.sampledValue.fieldPath("unitOfMeasure")
        let energy = try convert(sample, unit: unit, unitField: unitField, multiplier: multiplier)
        reading.timestamp = sample.timestamp
        reading.energyWh = energy.wattHours
        reading.exactWattHours = energy.exactWattHours
        reading.sample = "\(sample.value) \(unit)" + (multiplier == 0 ? "" : " × 10^\(multiplier)")
        reading.samplePath = sample.sampledValue.path
        return reading
    }
}
