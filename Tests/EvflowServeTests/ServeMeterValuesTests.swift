import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import FlowEngine
import Foundation
import Testing

/// A station backend forwarding OCPP messages unchanged to `POST /v1/instances/{id}/meter-values`: the session bills
/// from them (checked in the simulator's ledger), a duplicate changes nothing, and a bad message is a 400 naming
/// the field.
@Suite(.serialized)
struct ServeMeterValuesTests {
    @Test func anOCPP16SessionForwardedUnchangedBillsCorrectly() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            try await fixture.withServer {
                let id = "s-ocpp16"
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody(id))
                #expect(created.status == 201, "\(created.text)")
                try await fixture.waitFor(id, "authorization by polling") { $0.step == "meter" }
                let path = "/v1/instances/\(id)/meter-values"
                // 2.1005 kWh = 2100.5 Wh: rounded down to 2100 Wh, and said so.
                let first = try await fixture.call(.post, path, json: OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "2.1005"))
                #expect(first.status == 202, "\(first.text)")
                let receipt = try first.decode(APIMeterValuesReceipt.self)
                #expect(receipt.accepted && receipt.signal == "meterReading" && receipt.energyWh == 2100 && receipt.exactWattHours == "2100.5")
                #expect(receipt.ocppVersion == "1.6" && receipt.transactionId == "4711")
                let again = try await fixture.call(.post, path, json: OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "2.1005"))
                #expect(try again.status == 202 && again.decode(APIMeterValuesReceipt.self).accepted == false, "\(again.text)")
                // The same message in its OCPP-J CALL frame, and a later one with a lower reading.
                let frame = #"[2, "msg-7", "MeterValues", \#(OCPPMessages.meterValues16(timestamp: "2026-11-27T13:20:00Z", value: "9.999"))]"#
                #expect(try await fixture.call(.post, path, json: frame).status == 202)
                let lower = try await fixture.call(.post, path, json: OCPPMessages.meterValues16(timestamp: "2026-11-27T13:21:00Z", value: "9.5"))
                #expect(lower.status == 202, "\(lower.text)")

                let badUnit = try await fixture.call(.post, path, json: OCPPMessages.meterValues16(value: "3", unit: "kW"))
                #expect(badUnit.status == 400)
                #expect(badUnit.header("Content-Type") == "application/problem+json")
                let problem = try badUnit.problem()
                #expect(problem.field == "$.meterValue[0].sampledValue[4].unit")
                #expect(problem.code == "meterValues.unsupportedUnit")
                #expect(problem.detail.contains("expected Wh (the default) or kWh"), "\(problem.detail)")
                let otherTransaction = try await fixture.call(.post, path, json: OCPPMessages.meterValues16(transactionID: 99, value: "10"))
                #expect(try otherTransaction.status == 400 && otherTransaction.problem().field == "$.transactionId", "\(otherTransaction.text)")
                let notOCPP = try await fixture.call(.post, path, json: #"{"energyWh": 5200}"#)
                #expect(try notOCPP.status == 400 && notOCPP.problem().field == "$", "\(notOCPP.text)")
                let unknown = try await fixture.call(.post, "/v1/instances/nobody/meter-values", json: OCPPMessages.meterValues16(value: "1"))
                #expect(unknown.status == 404)

                let end = try await fixture.call(.post, path, json: OCPPMessages.meterValues16(timestamp: "2026-11-27T13:46:00Z", value: "18.750", context: "Transaction.End"))
                #expect(try end.status == 202 && end.decode(APIMeterValuesReceipt.self).signal == "sessionEnded", "\(end.text)")
                let finished = try await fixture.waitFor(id, "success") { $0.status == "succeeded" }
                #expect(finished.output?["energyWh"] == .number(18_750))
            }
            // 18.750 kWh × 3.99 NOK/kWh = 74.81 NOK (half-up) + 4.90 NOK start fee, captured once.
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == ServeSessionTests.expectedCapture)
            #expect(payment.aggregate.cancelled == 50_000 - ServeSessionTests.expectedCapture)
            #expect(payment.events(named: "CAPTURED").count == 1)
            let instance = try FileInstanceStore(stateDirectory: fixture.stateDirectory).load("s-ocpp16")
            let meterLines = instance.history.filter { $0.event == "meter" }.compactMap(\.detail)
            #expect(meterLines.contains { $0.contains("2100.5 Wh rounded down to whole Wh") }, "\(meterLines)")
            #expect(meterLines.contains { $0.contains("reading 9500 Wh is below 9999 Wh already seen") }, "\(meterLines)")
        }
    }

    @Test func anOCPP16StopTransactionForwardedInItsCallFrameEndsTheSessionAndCaptures() async throws {
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "1s", "every": "1s" }"#) { fixture in
            let id = "s-ocpp16-stop"
            try await fixture.withServer {
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody(id))
                #expect(created.status == 201, "\(created.text)")
                try await fixture.waitFor(id, "authorization by polling") { $0.step == "meter" }
                let path = "/v1/instances/\(id)/meter-values"
                let reading = try await fixture.call(.post, path, json: OCPPMessages.meterValues16(timestamp: "2026-11-27T13:05:00Z", value: "2.1005"))
                #expect(reading.status == 202, "\(reading.text)")
                // The station's StopTransaction.req, forwarded as the whole OCPP-J CALL frame.
                let stop = OCPPMessages.stopTransaction16(meterStop: "18750", endSample: "18.750")
                let ended = try await fixture.call(.post, path, json: #"[2, "19223201", "StopTransaction", \#(stop)]"#)
                #expect(ended.status == 202, "\(ended.text)")
                let receipt = try ended.decode(APIMeterValuesReceipt.self)
                #expect(receipt.accepted && receipt.signal == "sessionEnded" && receipt.ended && receipt.energyWh == 18_750)
                #expect(receipt.signalId == "ocpp1.6/4711/stop" && receipt.ocppVersion == "1.6" && receipt.transactionId == "4711")
                // The bare payload of the same message: a repeat.
                let again = try await fixture.call(.post, path, json: stop)
                #expect(try again.status == 202 && again.decode(APIMeterValuesReceipt.self).accepted == false, "\(again.text)")
                let badStop = try await fixture.call(.post, path, json: OCPPMessages.stopTransaction16(meterStop: #""18750""#))
                #expect(try badStop.status == 400 && badStop.problem().field == "$.meterStop", "\(badStop.text)")
                let finished = try await fixture.waitFor(id, "success") { $0.status == "succeeded" }
                #expect(finished.output?["energyWh"] == .number(18_750))
            }
            // 18.750 kWh × 3.99 NOK/kWh = 74.81 NOK (half-up) + 4.90 NOK start fee, captured once.
            let payment = try #require(fixture.simulator.ledger().payments.first)
            #expect(payment.aggregate.captured == ServeSessionTests.expectedCapture)
            #expect(payment.aggregate.cancelled == 50_000 - ServeSessionTests.expectedCapture)
            #expect(payment.events(named: "CAPTURED").count == 1)
        }
    }
}
