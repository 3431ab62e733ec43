/// Reads an OCPP message as a charging-station backend received it and takes out the energy reading a flow bills.
///
/// Accepted, as JSON text: an OCPP 1.6 `MeterValues` or `StopTransaction` request, an OCPP 2.0.1
/// `TransactionEvent` request, or any of them inside its OCPP-J CALL frame (`[2, "<messageId>", "MeterValues",
/// {...}]`). The shapes are the OCPP JSON schemas' (1.6 `MeterValues.json` and `StopTransaction.json`, 2.0.1
/// `TransactionEventRequest.json`). A `StopTransaction` bills its `meterStop` (see ``stopTransaction(_:)``).
///
/// The reading is the cumulative `Energy.Active.Import.Register` sample (the default measurand when a sample
/// names none), its non-phase total where the station also sends per-phase values, from the latest
/// `meterValue` of the message. The JSON is parsed by the engine's ``JSONParser``, which keeps numbers as the
/// text the station wrote, so the conversion to Wh (``DecimalEnergy``) is exact.
package enum MeterValuesMessage {
    package static let energyRegister = "Energy.Active.Import.Register"

    /// The reading in `text`.
    /// - Throws: ``MeterValuesError`` naming the field (JSON path) that is missing, of the wrong type, or not
    ///   billable.
    package static func reading(fromJSON text: String) throws(MeterValuesError) -> MeterReading {
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw MeterValuesError(.malformed, field: error.jsonPath, "not valid JSON at \(error.position): \(error.message)")
        }
        var payload = root
        var path = "$"
        var action: String?
        if case .array(let frame) = root.kind {
            guard frame.count == 4, frame[0].kind == .number("2"), case .string(let name) = frame[2].kind else {
                throw MeterValuesError(.malformed, field: "$", "an array must be an OCPP-J CALL frame [2, \"<messageId>\", \"MeterValues\", \"StopTransaction\" or \"TransactionEvent\", {payload}]")
            }
            guard ["MeterValues", stopTransactionAction, "TransactionEvent"].contains(name) else {
                throw MeterValuesError(.malformed, field: "$[2]", "action \(InstanceID.printable(name)) carries no meter values; send MeterValues or StopTransaction (OCPP 1.6) or TransactionEvent (OCPP 2.0.1)")
            }
            payload = frame[3]
            path = "$[3]"
            action = name
        }
        let message = try OCPPObject(payload, path: path, what: "an OCPP MeterValues, StopTransaction or TransactionEvent request")
        if action == stopTransactionAction || (action == nil && message.has("meterStop")) {
            return try stopTransaction(message)
        }
        if action == "TransactionEvent" || (action == nil && (message.has("eventType") || message.has("transactionInfo") || message.has("seqNo"))) {
            return try transactionEvent(message)
        }
        if action == "MeterValues" || message.has("connectorId") || message.has("meterValue") {
            return try meterValues(message)
        }
        throw MeterValuesError(.malformed, field: path,
            "neither an OCPP 1.6 MeterValues request (connectorId, transactionId, meterValue) or StopTransaction request (transactionId, meterStop, timestamp) nor an OCPP 2.0.1 TransactionEvent request (eventType, timestamp, triggerReason, seqNo, transactionInfo)")
    }

    /// One energy sample found in a `meterValue` element, before conversion.
    struct Sample {
        var timestamp: StationTimestamp
        var sampledValue: OCPPObject
        /// The value's literal text (1.6: the string, 2.0.1: the number as written).
        var value: String
    }

    /// The `timestamp` of a `meterValue` element (or of a 2.0.1 event).
    static func timestamp(_ object: OCPPObject, _ key: String = "timestamp") throws(MeterValuesError) -> StationTimestamp {
        let text = try object.string(key, required: true, maximumLength: 64) ?? ""
        guard let timestamp = StationTimestamp(parsing: text) else {
            throw MeterValuesError(.invalidField, field: object.fieldPath(key),
                                   "\(InstanceID.printable(text)) is not an OCPP dateTime such as 2026-11-27T13:44:41.123Z")
        }
        return timestamp
    }

    /// The sample to bill among one `meterValue` element's energy-register samples: the total (no `phase`),
    /// preferring the outlet (the default `location`) when there are several.
    static func total(of candidates: [OCPPObject]) throws(MeterValuesError) -> OCPPObject? {
        guard !candidates.isEmpty else { return nil }
        var totals: [OCPPObject] = []
        for candidate in candidates {
            if try candidate.string("phase") == nil { totals.append(candidate) }
        }
        guard !totals.isEmpty else {
            throw MeterValuesError(.noEnergySample, field: candidates[0].fieldPath("phase"),
                "only per-phase \(energyRegister) samples; evflow bills the total: have the station also send the sample without \"phase\"")
        }
        for total in totals {
            if try (total.string("location") ?? "Outlet") == "Outlet" { return total }
        }
        return totals[0]
    }

    /// The latest of the message's energy samples; an error naming `meterValue` when there is none.
    static func latest(_ samples: [Sample], in message: OCPPObject, allowNone: Bool) throws(MeterValuesError) -> Sample? {
        var latest: Sample?
        for sample in samples where latest.map({ sample.timestamp >= $0.timestamp }) ?? true { latest = sample }
        if latest == nil && !allowNone {
            throw MeterValuesError(.noEnergySample, field: message.fieldPath("meterValue"),
                "no \(energyRegister) sample (the measurand when none is named) to bill from; configure the station to sample it (MeterValuesSampledData / SampledDataTxUpdatedMeasurands)")
        }
        return latest
    }

    /// The sample in whole Wh: `unit` Wh (the default) or kWh, times 10^`multiplier`.
    static func convert(_ sample: Sample, unit: String, unitField: String, multiplier: Int64) throws(MeterValuesError) -> DecimalEnergy.WattHours {
        let valueField = sample.sampledValue.fieldPath("value")
        let scale: Int
        switch unit {
        case "Wh": scale = 0
        case "kWh": scale = 3
        default:
            throw MeterValuesError(.unsupportedUnit, field: unitField,
                                   "unit \(InstanceID.printable(unit)) is not an energy unit evflow bills; expected Wh (the default) or kWh")
        }
        do {
            return try DecimalEnergy(parsing: sample.value).wattHours(scale: scale + Int(multiplier))
        } catch .negative {
            throw MeterValuesError(.invalidField, field: valueField, "\(sample.value) is negative; a cumulative energy register never is")
        } catch .tooLarge {
            throw MeterValuesError(.invalidField, field: valueField, "\(InstanceID.printable(sample.value)) \(unit) is too large for whole Wh in 64 bits")
        } catch {
            throw MeterValuesError(.invalidField, field: valueField, "\(InstanceID.printable(sample.value)) is not a decimal number such as 12.345")
        }
    }

    /// What a transaction id may be: printable, as long as OCPP 2.0.1 allows (36).
    static func checkTransactionID(_ text: String, field: String) throws(MeterValuesError) {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw MeterValuesError(.invalidField, field: field, "\(InstanceID.printable(text)) is not a transaction id (printable ASCII, no spaces)")
        }
    }
}
