import EPaymentSimulator
import EvflowTestSupport
@testable import FlowEngine
import FlowTesting
import Foundation
import Testing

/// What the shipped EV flow tells the station about the reservation (`charging.start`'s limit) and the receipt it
/// sends through the Order Management API after the capture; over real sockets on virtual time.
@Suite("EV charging: charge limit and receipt")
struct ChargeLimitAndReceiptTests {
    static func inputs(max: Int64 = 50_000, pricePerKWh: Int64 = 399, startFee: Int64 = 0) -> [String: Value] {
        EVChargingFlowTests.inputs(max: max, pricePerKWh: pricePerKWh, startFee: startFee)
    }

    /// The `charging.start` payload the station stub received.
    static func startPayload(_ bed: FlowTestBed) throws -> [String: Any] {
        let start = try #require(bed.station.notifications.first { $0.event == "charging.start" })
        return try #require(try JSONSerialization.jsonObject(with: Data(start.payload.utf8)) as? [String: Any])
    }

    @Test(arguments: [
        // 500 NOK reserved, 5 NOK start fee, 3.99 NOK/kWh: (50000 - 500) × 1000 / 399 = 124 060.15… Wh.
        (50_000, 399, 500, 124_060),
        // Exactly divisible: 1 øre per kWh buys 1000 Wh per øre.
        (50_000, 1, 0, 50_000_000),
        // The start fee takes the whole reservation, or more: no energy is covered.
        (50_000, 399, 50_000, 0),
        (50_000, 399, 60_000, 0),
        // Free energy: no energy limit (-1); only maxCost bounds the session.
        (50_000, 0, 500, -1),
    ] as [(Int64, Int64, Int64, Int64)])
    func chargingStartCarriesTheLimitTheReservationCovers(max: Int64, price: Int64, fee: Int64, expectedWh: Int64) async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows, fsyncs: false) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "limit", inputs: Self.inputs(max: max, pricePerKWh: price, startFee: fee))
            let payload = try Self.startPayload(bed)
            let maxCost = try #require(payload["maxCost"] as? [String: Any])
            #expect(maxCost["value"] as? Int64 == max || maxCost["value"] as? Int == Int(max))
            #expect(maxCost["currency"] as? String == "NOK")
            #expect((payload["maxEnergyWh"] as? NSNumber)?.int64Value == expectedWh, "\(payload)")
            if expectedWh > 0 {
                // A station stopping at the limit never owes more than the reservation (the meter rounds half-up).
                #expect(fee + (price * expectedWh * 2 + 1000) / 2000 <= max)
            }
        }
    }

    @Test func theReceiptsLinesAddUpToTheCaptureWithAStartFeeLine() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows, fsyncs: false) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "receipt-fee", inputs: Self.inputs(startFee: 500))
            try await bed.signal("receipt-fee", "sessionEnded", ["energyWh": .integer(12_345)], signalID: "end")
            let instance = try bed.instance("receipt-fee")
            #expect(instance.status == .succeeded)
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "receipt-fee")))
            #expect(payment.aggregate.captured == 5_426)
            let receipt = try #require(payment.receipt)
            #expect(receipt.total == payment.aggregate.captured)
            #expect(receipt.orderLines.map(\.id) == ["energy", "start-fee"])
            let energy = receipt.orderLines[0]
            #expect(energy.quantity == "12.345" && energy.quantityUnit == "KWH" && energy.unitPrice == 399 && energy.taxRate == 2500)
            #expect(energy.totalAmount == 4_926 && energy.totalAmountExcludingTax == 3_941 && energy.totalTaxAmount == 985)
            let fee = receipt.orderLines[1]
            #expect(fee.totalAmount == 500 && fee.totalAmountExcludingTax == 400 && fee.totalTaxAmount == 100)
            #expect(instance.output(.receiptId, of: "receipt") == .string(receipt.id))
            #expect(instance.output(.skipped, of: "receipt") == .boolean(false))
            #expect(bed.station.events == ["charging.start", "charging.completed"])
        }
    }

    @Test func aCaptureCappedAtTheReservationStillAddsUp() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows, fsyncs: false) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "receipt-cap", inputs: Self.inputs(max: 5_000, startFee: 700))
            try await bed.signal("receipt-cap", "sessionEnded", ["energyWh": .integer(20_000)], signalID: "end")
            let receipt = try #require(bed.ledger.payment(reference: try bed.reference(of: "receipt-cap"))?.receipt)
            // 7.00 NOK fee + 79.80 NOK energy is more than the 50 NOK reserved: 50 NOK captured, the fee first.
            #expect(receipt.total == 5_000)
            #expect(receipt.orderLines.map(\.totalAmount) == [4_300, 700])
            #expect(receipt.orderLines.allSatisfy { $0.totalAmountExcludingTax + $0.totalTaxAmount == $0.totalAmount })
        }
    }

    @Test func nothingCapturedNoReceipt() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows, fsyncs: false) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "receipt-zero", inputs: Self.inputs(startFee: 500))
            try await bed.signal("receipt-zero", "sessionEnded", ["energyWh": .integer(0)], signalID: "end")
            let instance = try bed.instance("receipt-zero")
            #expect(instance.status == .succeeded)
            #expect(bed.ledger.payment(reference: try bed.reference(of: "receipt-zero"))?.receipt == nil)
            #expect(instance.output(.skipped, of: "receipt") == .boolean(true))
            #expect(instance.steps.first { $0.step == "receipt" }?.attempts == 0)
        }
    }

    /// The API stores the receipt but the answer is lost (twice: libcurl re-sends once by itself on a reused
    /// connection): the step's policy sends the identical receipt again, the API answers it like the first, and
    /// the payment holds one receipt.
    @Test func aLostResponseIsRetriedWithTheIdenticalReceipt() async throws {
        let configuration = SimulatorConfiguration(rateLimitsEnabled: false, recordsRequests: true)
        try await withFlowTestBed(flows: EVChargingFlowTests.flows, simulatorConfiguration: configuration, fsyncs: false) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "receipt-lost", inputs: Self.inputs(startFee: 500))
            bed.simulator.setFault(FaultRule(responseLostRate: 1, times: 2), for: .postReceipt)
            try await bed.signal("receipt-lost", "sessionEnded", ["energyWh": .integer(12_345)], signalID: "end")
            try await bed.advance(by: .seconds(60))
            let instance = try bed.instance("receipt-lost")
            #expect(instance.status == .succeeded)
            let sent = bed.simulator.recordedRequests().filter { $0.operation == SimulatedOperation.postReceipt.rawValue }
            #expect(sent.map(\.fault) == ["responseLost", "responseLost", nil] && sent.last?.status == 201, "\(sent)")
            let record = try #require(instance.steps.first { $0.step == "receipt" })
            #expect(record.attempts >= 2, "the step's retry policy sent it again")
            #expect(instance.history.contains { $0.event == "retry" && $0.step == "receipt" })
            let receipt = try #require(bed.ledger.payment(reference: try bed.reference(of: "receipt-lost"))?.receipt)
            #expect(receipt.total == 5_426)
            #expect(instance.output(.receiptId, of: "receipt") == .string(receipt.id))
        }
    }

    /// The Order Management API is down for longer than the step's retries: the instance fails with
    /// `receipt.failed` after the money settled and the station was told; an operator's retry sends the identical
    /// receipt once the API is back.
    @Test func aReceiptThatCannotBeSentFailsVisiblyAndAnOperatorRetrySendsIt() async throws {
        try await withFlowTestBed(flows: EVChargingFlowTests.flows, fsyncs: false) { bed in
            try await EVChargingFlowTests.startCharging(bed, id: "receipt-down", inputs: Self.inputs(startFee: 500))
            bed.simulator.setFault(FaultRule(serverErrorRate: 1), for: .postReceipt)
            try await bed.signal("receipt-down", "sessionEnded", ["energyWh": .integer(12_345)], signalID: "end")
            try await bed.advance(by: .seconds(3600))
            let failed = try bed.instance("receipt-down")
            #expect(failed.status == .failed && failed.failure?.code == .receiptFailed, "\(String(describing: failed.failure))")
            #expect(failed.failure?.message.contains("Order Management post-receipt-v2 failed (retryable)") == true)
            #expect(failed.steps.last { $0.step == "receipt" }?.attempts == 8, "the step's policy: 8 attempts")
            #expect(bed.station.events == ["charging.start", "charging.completed"])
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "receipt-down")))
            #expect(payment.aggregate.captured == 5_426 && payment.aggregate.cancelled == 50_000 - 5_426 && payment.receipt == nil)

            bed.simulator.setFault(nil, for: .postReceipt)
            _ = try await bed.runner.retry("receipt-down")
            await bed.runUntilIdle()
            let retried = try bed.instance("receipt-down")
            #expect(retried.status == .succeeded)
            let receipt = try #require(bed.ledger.payment(reference: try bed.reference(of: "receipt-down"))?.receipt)
            #expect(receipt.total == 5_426)
            #expect(retried.steps.filter { $0.step == "receipt" }.count == 1, "the same visit, reopened")
        }
    }

    /// A receipt intent survives the state file: a retry after a restart sends exactly what was computed.
    @Test func theReceiptIntentRoundTripsThroughTheStateFile() throws {
        let intent = try ReceiptIntent.chargingSession(
            orderID: "ev-s1", captured: Money(minorUnits: 5_426, currency: "NOK"), energyWh: 12_345,
            pricePerKWh: Money(minorUnits: 399, currency: "NOK"), startFee: Money(minorUnits: 500, currency: "NOK"), vatRate: 2500,
            energyLineName: "Energy", startFeeLineName: "Start fee")
        let data = try JSONEncoder().encode(PaymentIntent.receipt(intent))
        #expect(try JSONDecoder().decode(PaymentIntent.self, from: data) == .receipt(intent))
        #expect(String(decoding: data, as: UTF8.self).hasPrefix(#"{"receipt":{"#))
    }

    @Test(arguments: [(12_345, "12.345"), (2_000, "2"), (5, "0.005"), (0, "0"), (123_456_789_012, "123456789")] as [(Int64, String)])
    func energyIsShownInKilowattHours(wattHours: Int64, text: String) {
        #expect(ReceiptIntent.kilowattHours(wattHours) == text)
    }

    @Test(arguments: [0, 1, 1_250, 2_500, 10_000] as [Int64])
    func vatIsDerivedSoEveryLineAddsUp(rate: Int64) throws {
        for captured in [1, 99, 100, 4_926, 5_427, 65_000_000] as [Int64] {
            let intent = try ReceiptIntent.chargingSession(
                orderID: "ev-s1", captured: Money(minorUnits: captured, currency: "NOK"), energyWh: 1_000,
                pricePerKWh: Money(minorUnits: 399, currency: "NOK"), startFee: Money(minorUnits: 500, currency: "NOK"), vatRate: rate,
                energyLineName: "Energy", startFeeLineName: "Start fee")
            #expect(intent.total == captured)
            for line in intent.lines {
                #expect(line.totalAmountExcludingTax + line.totalTaxAmount == line.totalAmount)
                #expect(line.totalTaxAmount >= 0 && line.totalTaxAmount <= line.totalAmount)
            }
        }
        #expect(throws: ReceiptComputationError.self) {
            try ReceiptIntent.chargingSession(
                orderID: "ev-s1", captured: Money(minorUnits: 100, currency: "NOK"), energyWh: 1, pricePerKWh: Money(minorUnits: 1, currency: "NOK"),
                startFee: nil, vatRate: 10_001, energyLineName: "E", startFeeLineName: "F")
        }
    }
}
