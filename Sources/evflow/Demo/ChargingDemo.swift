import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation

/// One complete EV charging session, scripted: the customer approves by themselves (the simulator's
/// `autoApproveAfter`), the station sends a few meter readings and then "session ended"; the shipped
/// `ev-charging` definition does the rest. Runs in-process over real sockets on a virtual clock.
struct ChargingDemo {
    /// A meter reading or the session's end, as the station sends it.
    struct Reading {
        var at: Duration
        var energyWh: Int64
        var ended: Bool
    }

    var flows: URL
    var stateDirectory: URL?
    var maxAmount: Int64 = 50_000
    var pricePerKWh: Int64 = 399
    var startFee: Int64 = 490
    var approveAfter: Duration = .seconds(20)
    var readings: [Reading] = [
        Reading(at: .seconds(5 * 60), energyWh: 2_100, ended: false),
        Reading(at: .seconds(15 * 60), energyWh: 6_800, ended: false),
        Reading(at: .seconds(30 * 60), energyWh: 13_400, ended: false),
        Reading(at: .seconds(41 * 60), energyWh: 18_750, ended: true),
    ]

    /// What the session did, read back from the instance file, the provider's ledger and the station stub.
    struct Outcome: Sendable {
        var instance: FlowInstance
        var payment: LedgerPayment?
        var notifications: [String]
        var start: Date
        var simulatorURL: String
        var stateDirectory: String
        var keptStateDirectory: Bool
        /// Signal id → what the station said, for the timeline.
        var signals: [String: String]
        var energyWh: Int64
    }

    func run() async throws -> Outcome {
        let configuration = SimulatorConfiguration(autoApproveAfter: approveAfter, rateLimitsEnabled: false)
        let money = { (units: Int64) in Value.money(Money(minorUnits: units, currency: "NOK")) }
        let inputs: [String: Value] = [
            "phoneNumber": .phoneNumber("4712345678"), "maxAmount": money(maxAmount),
            "pricePerKWh": money(pricePerKWh), "startFee": money(startFee),
        ]
        let id = "demo-" + UUID().uuidString.prefix(8).lowercased()
        return try await withFlowTestBed(flows: flows, simulatorConfiguration: configuration, stateDirectory: stateDirectory) { bed in
            let start = bed.now
            var signals: [String: String] = [:]
            try await bed.start("ev-charging", id: id, inputs: inputs)
            for (index, reading) in readings.enumerated() {
                try await bed.advance(by: reading.at - .seconds(bed.now.timeIntervalSince(start)))
                let name = reading.ended ? "sessionEnded" : "meterReading"
                let signalID = "\(name)-\(index + 1)"
                signals[signalID] = "\(name): \(Self.kWh(reading.energyWh))" + (reading.ended ? " (car unplugged)" : "")
                try await bed.signal(id, name, ["energyWh": .integer(reading.energyWh)], signalID: signalID)
            }
            // Let whatever is still scheduled (retries, the receipt) run.
            try await bed.advance(by: .seconds(10 * 60))
            let instance = try bed.instance(id)
            return Outcome(
                instance: instance, payment: instance.payment.flatMap { bed.ledger.payment(reference: $0.reference) },
                notifications: bed.station.events, start: start, simulatorURL: bed.simulator.baseURL,
                stateDirectory: bed.stateDirectory.path,
                keptStateDirectory: stateDirectory != nil, signals: signals, energyWh: readings.map(\.energyWh).max() ?? 0)
        }
    }

    static func kWh(_ energyWh: Int64) -> String {
        String(format: "%d.%03d kWh", energyWh / 1000, energyWh % 1000)
    }
}
