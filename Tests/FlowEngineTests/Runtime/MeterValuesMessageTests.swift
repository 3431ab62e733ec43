import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// Reading OCPP messages (shapes from the OCA JSON schemas, see ``OCPPMessages``): the sample chosen, the exact
/// conversion to whole Wh, the end of the transaction, the signal id, and every refusal naming its field.
struct MeterValuesMessageTests {
    static func reading(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> MeterReading {
        try MeterValuesMessage.reading(fromJSON: json)
    }

    static func refusal(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> MeterValuesError? {
        do {
            let reading = try MeterValuesMessage.reading(fromJSON: json)
            Issue.record("accepted: \(reading)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func ocpp16KilowattHoursWithDecimalsAreRoundedDownAndTheTotalIsChosenOverPhasesAndOtherMeasurands() throws {
        let reading = try Self.reading(OCPPMessages.meterValues16(value: "12.3456"))
        #expect(reading.ocppVersion == "1.6")
        #expect(reading.transactionID == "4711")
        #expect(reading.energyWh == 12_345)
        #expect(reading.exactWattHours == "12345.6")
        #expect(reading.samplePath == "$.meterValue[0].sampledValue[4]")
        #expect(reading.ended == false)
        #expect(reading.summary.contains("12.3456 kWh = 12345 Wh (12345.6 Wh rounded down to whole Wh)"))
    }

    /// 0.29 × 1000 is 289.99999999999994 in binary floating point; parsed as decimal text it is 290 Wh exactly.
    @Test(arguments: [("0.29", "kWh", Int64(290)), ("18.75", "kWh", 18_750), ("5200", "Wh", 5200), ("1.5e3", "Wh", 1500), ("0012.000", "kWh", 12_000)])
    func ocpp16DecimalTextIsConvertedExactly(value: String, unit: String, expected: Int64) throws {
        let reading = try Self.reading(OCPPMessages.meterValues16(value: value, unit: unit))
        #expect(reading.energyWh == expected)
        #expect(reading.exactWattHours == nil, "no rounding was needed")
    }

    @Test func ocpp201NumberLiteralIsReadAsWrittenWithItsMultiplier() throws {
        // 0.29 kWh as a JSON number: a Double would read 289.99999999999994 Wh.
        let kilowattHours = try Self.reading(OCPPMessages.transactionEvent201(seqNo: 3, value: "0.29", unit: "kWh"))
        #expect(kilowattHours.energyWh == 290 && kilowattHours.exactWattHours == nil)
        // 21005 × 10^-1 Wh = 2100.5 Wh, rounded down.
        let tenths = try Self.reading(OCPPMessages.transactionEvent201(seqNo: 4, value: "21005", unit: "Wh", multiplier: -1))
        #expect(tenths.energyWh == 2100)
        #expect(tenths.exactWattHours == "2100.5")
        #expect(tenths.sample == "21005 Wh × 10^-1")
        // 12.5 kWh × 10^3 = 12.5 MWh.
        let megawattHours = try Self.reading(OCPPMessages.transactionEvent201(seqNo: 5, value: "12.5", unit: "kWh", multiplier: 3))
        #expect(megawattHours.energyWh == 12_500_000)
        #expect(megawattHours.sequenceNumber == 5)
        #expect(megawattHours.message == "TransactionEvent Updated")
    }

    @Test func keba201StartedEventWithABareValueIsWattHours() throws {
        let reading = try Self.reading(OCPPMessages.transactionEvent201(
            eventType: "Started", seqNo: 0, transactionID: "28881628250821070333100549825004", timestamp: "2025-08-21T07:03:36.481+0000",
            value: "2114135.6", context: "Transaction.Begin"))
        #expect(reading.energyWh == 2_114_135)
        #expect(reading.exactWattHours == "2114135.6")
        #expect(reading.timestamp.text == "2025-08-21T07:03:36.481Z")
        #expect(reading.ended == false)
    }

    @Test func theEndOfTheTransactionIsTheSessionEnd() throws {
        let ended201 = try Self.reading(OCPPMessages.transactionEvent201(eventType: "Ended", seqNo: 9, value: "18750"))
        #expect(ended201.ended && ended201.energyWh == 18_750)
        let withoutSample = try Self.reading(OCPPMessages.transactionEvent201(eventType: "Ended", seqNo: 10, value: nil))
        #expect(withoutSample.ended && withoutSample.energyWh == nil)
        let ended16 = try Self.reading(OCPPMessages.meterValues16(value: "18.750", context: "Transaction.End"))
        #expect(ended16.ended && ended16.energyWh == 18_750)
    }

    @Test func a201EventWithoutAnEnergySampleIsReadWithNoEnergyAndAReasonToIgnoreIt() throws {
        let stateChanged = try Self.reading(OCPPMessages.transactionEvent201(seqNo: 4, value: nil, triggerReason: "ChargingStateChanged"))
        #expect(stateChanged.energyWh == nil && !stateChanged.ended && stateChanged.sequenceNumber == 4)
        #expect(stateChanged.ignoredReason?.contains("seqNo 4 is noted") == true, "\(stateChanged.ignoredReason ?? "nil")")
        // A Started event whose only sample is the voltage: valid, nothing to bill.
        let voltageOnly = #"""
        {"eventType": "Started", "timestamp": "2026-11-27T13:00:00Z", "triggerReason": "CablePluggedIn", "seqNo": 0,
         "transactionInfo": {"transactionId": "tx-9"},
         "meterValue": [{"timestamp": "2026-11-27T13:00:00Z", "sampledValue": [{"value": 231.4, "measurand": "Voltage", "unitOfMeasure": {"unit": "V"}}]}]}
        """#
        let started = try Self.reading(voltageOnly)
        #expect(started.energyWh == nil && started.ignoredReason != nil)
        // An Ended event without a sample is not ignored: it ends the session.
        #expect(try Self.reading(OCPPMessages.transactionEvent201(eventType: "Ended", seqNo: 5, value: nil)).ignoredReason == nil)
        // Still refused: a malformed event, and per-phase energy only.
        #expect(Self.refusal(OCPPMessages.transactionEvent201(seqNo: 1, value: nil).replacingOccurrences(of: #""seqNo": 1"#, with: #""seqNo": -1"#))?.field == "$.seqNo")
    }

    @Test func ocpp16StopTransactionEndsTheTransactionAtMeterStopBareOrInItsCallFrame() throws {
        let bare = try Self.reading(OCPPMessages.stopTransaction16(meterStop: "18750", endSample: "18.7504"))
        #expect(bare.ended && bare.energyWh == 18_750 && bare.exactWattHours == nil)
        #expect(bare.ocppVersion == "1.6" && bare.transactionID == "4711" && bare.sequenceNumber == nil)
        #expect(bare.signalID == "ocpp1.6/4711/stop" && bare.ignoredReason == nil)
        #expect(bare.summary.contains("meterStop 18750 Wh (reason EVDisconnected) = 18750 Wh; transaction ended"), "\(bare.summary)")
        let framed = try Self.reading(#"[2, "19223201", "StopTransaction", \#(OCPPMessages.stopTransaction16(meterStop: "18750"))]"#)
        #expect(framed.signalID == bare.signalID && framed.energyWh == 18_750 && framed.ended)
        #expect(framed.transactionPath == "$[3].transactionId")
        // Without transactionData, idTag or reason (the station stopped it itself): still the end.
        let minimal = try Self.reading(#"{"transactionId": 4711, "meterStop": 0, "timestamp": "2026-11-27T13:46:00Z"}"#)
        #expect(minimal.ended && minimal.energyWh == 0 && minimal.signalID == bare.signalID)

        #expect(Self.refusal(OCPPMessages.stopTransaction16(meterStop: #""18750""#))?.field == "$.meterStop")
        #expect(Self.refusal(OCPPMessages.stopTransaction16(meterStop: "-1"))?.field == "$.meterStop")
        #expect(Self.refusal(OCPPMessages.stopTransaction16(meterStop: "187.5"))?.field == "$.meterStop")
        #expect(Self.refusal(OCPPMessages.stopTransaction16(meterStop: "1", reason: "Bored"))?.field == "$.reason")
        #expect(Self.refusal(OCPPMessages.stopTransaction16(meterStop: "1", timestamp: "later"))?.field == "$.timestamp")
        #expect(Self.refusal(OCPPMessages.stopTransaction16(meterStop: "1", endSample: "1").replacingOccurrences(of: #""value": "1""#, with: #""value": 1"#))?.field
            == "$.transactionData[0].sampledValue[1].value")
        #expect(Self.refusal(#"[2, "1", "StopTransaction", {"transactionId": 4711, "timestamp": "2026-11-27T13:46:00Z"}]"#)?.field == "$[3].meterStop")
    }

    @Test func signalIDsComeFromTheTransactionAndSeqNoOrTheNormalisedSampleTime() throws {
        let a = try Self.reading(OCPPMessages.transactionEvent201(seqNo: 3, transactionID: "tx-1", value: "100"))
        let b = try Self.reading(OCPPMessages.transactionEvent201(seqNo: 3, transactionID: "tx-1", timestamp: "2026-11-27T13:06:00Z", value: "200"))
        #expect(a.signalID == "ocpp2.0.1/tx-1/seq/0000000003")
        #expect(a.signalID == b.signalID, "the same seqNo of the same transaction is the same message")
        let utc = try Self.reading(OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "1"))
        let offset = try Self.reading(OCPPMessages.meterValues16(timestamp: "2026-11-27T14:05:00.000+01:00", value: "1"))
        #expect(utc.signalID == "ocpp1.6/4711/2026-11-27T13:05:00.000Z/reading")
        #expect(utc.signalID == offset.signalID)
        let end = try Self.reading(OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "1", context: "Transaction.End"))
        #expect(end.signalID != utc.signalID, "an end at the time of a periodic sample is not its duplicate")
    }

    @Test func anOCPPJCallFrameIsUnwrappedAndPathsPointIntoIt() throws {
        let frame = #"[2, "19223201", "TransactionEvent", \#(OCPPMessages.transactionEvent201(seqNo: 1, value: "5200"))]"#
        #expect(try Self.reading(frame).energyWh == 5200)
        let bad = #"[2, "19223202", "MeterValues", \#(OCPPMessages.meterValues16(value: "1", unit: "W"))]"#
        #expect(Self.refusal(bad)?.field == "$[3].meterValue[0].sampledValue[4].unit")
        #expect(Self.refusal(#"[2, "1", "Heartbeat", {}]"#)?.field == "$[2]")
    }

    @Test(arguments: [
        // (message, field, code)
        (OCPPMessages.meterValues16(value: "1", unit: "W"), "$.meterValue[0].sampledValue[4].unit", MeterValuesError.Code.unsupportedUnit),
        (OCPPMessages.transactionEvent201(seqNo: 1, value: "1", unit: "MWh"), "$.meterValue[0].sampledValue[1].unitOfMeasure.unit", .unsupportedUnit),
        (OCPPMessages.meterValues16(value: "12,5"), "$.meterValue[0].sampledValue[4].value", .invalidField),
        (OCPPMessages.meterValues16(value: "-3"), "$.meterValue[0].sampledValue[4].value", .invalidField),
        (OCPPMessages.meterValues16(value: "1e400"), "$.meterValue[0].sampledValue[4].value", .invalidField),
        (OCPPMessages.meterValues16(timestamp: "yesterday", value: "1"), "$.meterValue[0].timestamp", .invalidField),
        (OCPPMessages.meterValues16(value: "1", context: "Sample.Sometimes"), "$.meterValue[0].sampledValue[0].context", .invalidField),
        (OCPPMessages.transactionEvent201(seqNo: 1, value: #""5200""#), "$.meterValue[0].sampledValue[1].value", .invalidField),
        (OCPPMessages.transactionEvent201(seqNo: 1, value: "5200", multiplier: 99), "$.meterValue[0].sampledValue[1].unitOfMeasure.multiplier", .invalidField),
        (OCPPMessages.transactionEvent201(eventType: "Paused", seqNo: 1, value: "1"), "$.eventType", .invalidField),
        (OCPPMessages.transactionEvent201(seqNo: 1, transactionID: "", value: "1"), "$.transactionInfo.transactionId", .invalidField),
        (#"{"connectorId": 1, "meterValue": [{"timestamp": "2026-11-27T13:05:00Z", "sampledValue": [{"value": "1"}]}]}"#, "$.transactionId", .invalidField),
        (#"{"connectorId": 1, "transactionId": 7, "meterValue": [{"timestamp": "2026-11-27T13:05:00Z", "sampledValue": [{"value": 5200}]}]}"#,
         "$.meterValue[0].sampledValue[0].value", .invalidField),
        (#"{"connectorId": 1, "transactionId": 7, "meterValue": [{"timestamp": "2026-11-27T13:05:00Z", "sampledValue": [{"value": "230", "measurand": "Voltage"}]}]}"#,
         "$.meterValue", .noEnergySample),
        (#"{"connectorId": 1, "transactionId": 7, "meterValue": []}"#, "$.meterValue", .invalidField),
        (#"{"connectorId": "1", "transactionId": 7, "meterValue": []}"#, "$.connectorId", .invalidField),
        (#"{"eventType": "Updated", "timestamp": "2026-11-27T13:05:00Z", "triggerReason": "MeterValuePeriodic", "seqNo": "4", "transactionInfo": {"transactionId": "t"}}"#,
         "$.seqNo", .invalidField),
        (#"{"eventType": "Updated", "timestamp": "2026-11-27T13:05:00Z", "triggerReason": "MeterValuePeriodic", "seqNo": 4}"#, "$.transactionInfo", .invalidField),
        (#"{"connectorId": 1, "transactionId": 7, "meterValue": [{"timestamp": "2026-11-27T13:05:00Z", "sampledValue": [{"value": "1"}]}"#, "$.meterValue", .malformed),
        (#"{"status": "Accepted"}"#, "$", .malformed),
    ])
    func refusalsNameTheField(message: String, field: String, code: MeterValuesError.Code) {
        let refusal = Self.refusal(message)
        #expect(refusal?.field == field, "\(refusal.map(String.init(describing:)) ?? "accepted")")
        #expect(refusal?.code == code, "\(refusal.map(String.init(describing:)) ?? "accepted")")
    }

    @Test func onlyPerPhaseEnergyIsRefusedAskingForTheTotal() {
        let message = #"{"connectorId": 1, "transactionId": 7, "meterValue": [{"timestamp": "2026-11-27T13:05:00Z", "sampledValue": [{"value": "1", "phase": "L1"}, {"value": "1", "phase": "L2"}]}]}"#
        let refusal = Self.refusal(message)
        #expect(refusal?.code == .noEnergySample)
        #expect(refusal?.field == "$.meterValue[0].sampledValue[0].phase")
        #expect(refusal?.detail.contains("without \"phase\"") == true)
    }

    @Test func theLatestMeterValueOfABatchIsBilled() throws {
        let message = #"""
        {"connectorId": 2, "transactionId": 9, "meterValue": [
          {"timestamp": "2026-11-27T13:10:00Z", "sampledValue": [{"value": "3000"}]},
          {"timestamp": "2026-11-27T13:00:00Z", "sampledValue": [{"value": "1000"}]},
          {"timestamp": "2026-11-27T13:05:00Z", "sampledValue": [{"value": "2000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}
        ]}
        """#
        let reading = try Self.reading(message)
        #expect(reading.energyWh == 3000)
        #expect(reading.samplePath == "$.meterValue[0].sampledValue[0]")
    }

    @Test func decimalEnergyIsExact() throws {
        #expect(try DecimalEnergy(parsing: "0.0001").wattHours(scale: 3) == .init(wattHours: 0, exactWattHours: "0.1"))
        #expect(try DecimalEnergy(parsing: "-0").wattHours(scale: 0) == .init(wattHours: 0, exactWattHours: nil))
        #expect(try DecimalEnergy(parsing: "9223372036854775807").wattHours(scale: 0).wattHours == Int64.max)
        #expect(throws: DecimalEnergy.Problem.tooLarge) { try DecimalEnergy(parsing: "9223372036854775808").wattHours(scale: 0) }
        #expect(throws: DecimalEnergy.Problem.notADecimal) { try DecimalEnergy(parsing: "1.") }
        #expect(throws: DecimalEnergy.Problem.notADecimal) { try DecimalEnergy(parsing: " 1") }
    }
}
