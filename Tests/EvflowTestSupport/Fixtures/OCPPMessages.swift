/// OCPP messages shaped as charging stations send them, for the meter-values tests of several targets.
///
/// Sources of the shapes:
/// - OCPP 1.6 `MeterValues.req`: the OCA JSON schema `MeterValues.json` (as shipped in mobilityhouse/ocpp,
///   `ocpp/v16/schemas/MeterValues.json`): `connectorId` (integer), `transactionId` (integer), `meterValue[]` with
///   `timestamp` and `sampledValue[]` of `value` (a **string**), `context`, `format`, `measurand`, `phase`,
///   `location`, `unit`. A station's real message with voltage, current, power and energy samples side by side is
///   logged in maulanahidayatullah/ocpp-node `log.js`; `sample16Periodic` follows it.
/// - OCPP 1.6 `StopTransaction.req`: the OCA JSON schema `StopTransaction.json` (mobilityhouse/ocpp,
///   `ocpp/v16/schemas/StopTransaction.json`): required `transactionId` (integer), `meterStop` (integer Wh) and
///   `timestamp`; optional `idTag` (≤ 20), `reason` (enumeration) and `transactionData[]`, meter values shaped as
///   in `MeterValues.req`.
/// - OCPP 2.0.1 `TransactionEventRequest`: the OCA JSON schema "OCPP 2.0.1 FINAL" (mobilityhouse/ocpp,
///   `ocpp/v201/schemas/TransactionEventRequest.json`): `eventType` (Started/Updated/Ended), `timestamp`,
///   `triggerReason`, `seqNo`, `transactionInfo.transactionId` (string, ≤ 36), `meterValue[]` whose sampled
///   `value` is a **number** with `unitOfMeasure {unit (default Wh), multiplier (power of ten, default 0)}`. A
///   KEBA P30's `Started` event with a bare `value` of 2114135.6 and context `Transaction.Begin` is logged in
///   m-hegele/notes `dev/keba-invalid-meter-start-stop.md`; `transactionEvent201` follows its shape.
public enum OCPPMessages {
    /// OCPP 1.6 MeterValues with the sampled values a real station sends together: voltage, current, power, a
    /// per-phase energy register, and the total `Energy.Active.Import.Register` in `unit`.
    public static func meterValues16(transactionID: Int = 4711, timestamp: String = "2026-11-27T13:05:00Z", value: String,
                                     unit: String = "kWh", context: String = "Sample.Periodic") -> String {
        """
        {
          "connectorId": 1,
          "transactionId": \(transactionID),
          "meterValue": [
            {
              "timestamp": "\(timestamp)",
              "sampledValue": [
                { "value": "229.80", "context": "\(context)", "format": "Raw", "measurand": "Voltage", "phase": "L1-N", "location": "Body", "unit": "V" },
                { "value": "15.90", "context": "\(context)", "format": "Raw", "measurand": "Current.Import", "phase": "L1", "location": "Outlet", "unit": "A" },
                { "value": "10.96", "context": "\(context)", "format": "Raw", "measurand": "Power.Active.Import", "location": "Outlet", "unit": "kW" },
                { "value": "1.0", "context": "\(context)", "format": "Raw", "measurand": "Energy.Active.Import.Register", "phase": "L1", "location": "Outlet", "unit": "\(unit)" },
                { "value": "\(value)", "context": "\(context)", "format": "Raw", "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "\(unit)" }
              ]
            }
          ]
        }
        """
    }

    /// OCPP 1.6 StopTransaction as a station sends it when the EV leaves: `meterStop` in Wh, and, when `endSample`
    /// is given, `transactionData` with the `Transaction.End` register in kWh beside a voltage sample.
    public static func stopTransaction16(transactionID: Int = 4711, meterStop: String, timestamp: String = "2026-11-27T13:46:00Z",
                                         reason: String = "EVDisconnected", endSample: String? = nil) -> String {
        let transactionData = endSample.map { value in
            """
            ,
              "transactionData": [
                {
                  "timestamp": "\(timestamp)",
                  "sampledValue": [
                    { "value": "229.80", "context": "Transaction.End", "format": "Raw", "measurand": "Voltage", "phase": "L1-N", "unit": "V" },
                    { "value": "\(value)", "context": "Transaction.End", "format": "Raw", "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "kWh" }
                  ]
                }
              ]
            """
        } ?? ""
        return """
        {
          "idTag": "3A5AA876",
          "meterStop": \(meterStop),
          "timestamp": "\(timestamp)",
          "transactionId": \(transactionID),
          "reason": "\(reason)"\(transactionData)
        }
        """
    }

    /// OCPP 2.0.1 TransactionEvent carrying one energy-register sample whose value is the JSON number `value`
    /// written as given (for example `"2114135.6"`), with `unitOfMeasure` when `unit` or `multiplier` is given;
    /// without `value`, an event with no meter value at all (a `ChargingStateChanged` Updated, say).
    public static func transactionEvent201(eventType: String = "Updated", seqNo: Int, transactionID: String = "f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                                           timestamp: String = "2026-11-27T13:05:00.000Z", value: String?, unit: String? = nil,
                                           multiplier: Int? = nil, context: String = "Sample.Periodic", triggerReason: String? = nil) -> String {
        var unitOfMeasure: [String] = []
        if let unit { unitOfMeasure.append(#""unit": "\#(unit)""#) }
        if let multiplier { unitOfMeasure.append(#""multiplier": \#(multiplier)"#) }
        let unitMember = unitOfMeasure.isEmpty ? "" : #", "unitOfMeasure": { \#(unitOfMeasure.joined(separator: ", ")) }"#
        let trigger = triggerReason ?? (eventType == "Started" ? "Authorized" : eventType == "Ended" ? "EVDeparted" : "MeterValuePeriodic")
        let meterValue = value.map { value in
            #"""
            ,
              "meterValue": [
                { "timestamp": "\#(timestamp)",
                  "sampledValue": [
                    { "value": 231.4, "measurand": "Voltage", "phase": "L1-N", "unitOfMeasure": { "unit": "V" } },
                    { "value": \#(value), "context": "\#(context)", "measurand": "Energy.Active.Import.Register"\#(unitMember) }
                  ] }
              ]
            """#
        } ?? ""
        return """
        {
          "eventType": "\(eventType)",
          "timestamp": "\(timestamp)",
          "triggerReason": "\(trigger)",
          "seqNo": \(seqNo),
          "offline": false,
          "transactionInfo": { "transactionId": "\(transactionID)", "chargingState": "Charging" },
          "evse": { "id": 1, "connectorId": 1 },
          "idToken": { "idToken": "3A5AA876", "type": "ISO14443" }\(meterValue)
        }
        """
    }
}
