import Foundation
import Testing

@testable import FlowEngine

/// The definition's `meterValues` mapping is validated like everything else: file, JSON path, position, hint.
struct MeterValuesMappingTests {
    typealias F = DefinitionFixtures

    static func flow(mapping: String, signals: String = #""meterReading": { "fields": { "energyWh": "integer" } }, "sessionEnded": { "fields": { "energyWh": "integer" } }"#) -> String {
        F.flow(steps: #"{ "id": "done", "kind": "succeed" }"#, extra: """

              "signals": { \(signals) },
              "meterValues": \(mapping),
            """)
    }

    @Test func aValidMappingLoadsWithItsDefaultEnergyField() throws {
        let definition = try F.load(Self.flow(mapping: #"{ "reading": "meterReading", "ended": "sessionEnded" }"#))
        #expect(definition.meterValues == MeterValuesMapping(reading: "meterReading", ended: "sessionEnded", energyField: "energyWh"))
    }

    @Test func theShippedEVFlowDeclaresItsMapping() throws {
        let definition = try FlowDefinitionLoader().load(fileAt: F.flowsDirectory.appendingPathComponent("ev-charging.json"))
        #expect(definition.meterValues == MeterValuesMapping(reading: "meterReading", ended: "sessionEnded", energyField: "energyWh"))
    }

    @Test func anUnknownSignalIsRejectedWithADidYouMean() {
        let text = Self.flow(mapping: #"{ "reading": "meterReadng", "ended": "sessionEnded" }"#)
        let issue = F.expectIssue(F.issues(text), path: "$.meterValues.reading", at: "\"meterReadng\"", in: text, message: "unknown signal \"meterReadng\"")
        #expect(issue?.hint == "did you mean \"meterReading\"?")
    }

    @Test func theEnergyFieldMustBeAnIntegerOfEverySignal() {
        let signals = #""meterReading": { "fields": { "energyWh": "string" } }, "sessionEnded": { "fields": { "kWh": "integer" } }"#
        let text = Self.flow(mapping: #"{ "reading": "meterReading", "ended": "sessionEnded", "energyField": "energyWh" }"#, signals: signals)
        let issues = F.issues(text)
        let notInteger = F.expectIssue(issues, path: "$.meterValues.reading", at: "\"energyWh\" }", in: text, message: "declares energyWh as string, not integer")
        #expect(notInteger?.hint?.contains("\"energyWh\": \"integer\"") == true)
        F.expectIssue(issues, path: "$.meterValues.ended", at: "\"sessionEnded\", \"energyField\"", in: text, message: "has no field \"energyWh\"")
        F.expectIssue(issues, path: "$.meterValues.ended", at: "\"sessionEnded\", \"energyField\"", in: text, message: "declares field \"kWh\", which OCPP meter values cannot fill")
    }

    @Test func sameSignalTwiceUnknownMembersAndWrongTypesAreRejected() {
        let same = Self.flow(mapping: #"{ "reading": "meterReading", "ended": "meterReading" }"#)
        F.expectIssue(F.issues(same), path: "$.meterValues.ended", at: "\"meterReading\" }", in: same, message: "the same signal as \"reading\"")
        let unknown = Self.flow(mapping: #"{ "reading": "meterReading", "endded": "sessionEnded" }"#)
        let issue = F.expectIssue(F.issues(unknown), path: "$.meterValues.endded", at: "\"endded\"", in: unknown, message: "unknown field \"endded\"")
        #expect(issue?.hint == "did you mean \"ended\"?")
        let missing = Self.flow(mapping: #"{ "ended": "sessionEnded" }"#)
        F.expectIssue(F.issues(missing), path: "$.meterValues", at: "{ \"ended\"", in: missing, message: "missing required field \"reading\"")
        let wrongType = Self.flow(mapping: #"{ "reading": 7 }"#)
        F.expectIssue(F.issues(wrongType), path: "$.meterValues.reading", at: "7 }", in: wrongType, message: "expected a string, found a number")
    }
}
