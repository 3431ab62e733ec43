import EPayment
import EPaymentSimulator
import FlowEngine
import FlowTesting
import Foundation

/// One complete EV charging session, scripted: the customer approves (for the push journey by themselves, the
/// simulator's `autoApproveAfter`; for the landing-page and QR journeys by following the payment's link, which
/// the demo does as the customer would), the station sends a few meter readings and then "session ended"; the
/// journey's shipped definition does the rest. Runs in-process over real sockets on a virtual clock.
struct ChargingDemo {
    /// A meter reading or the session's end, as the station sends it.
    struct Reading {
        var at: Duration
        var energyWh: Int64
        var ended: Bool
    }

    var flows: URL
    var stateDirectory: URL?
    var journey: DemoJourney = .push
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
        /// The payment link the customer followed, and when it was handed to them (landing-page and QR journeys).
        var link: (url: String, at: Date)?
        /// When the customer approved by following the link.
        var followedAt: Date?
    }

    func run() async throws -> Outcome {
        // Only the push journey's customer approves by themselves: the others follow the link the flow handed out.
        let configuration = SimulatorConfiguration(autoApproveAfter: journey == .push ? approveAfter : nil, rateLimitsEnabled: false)
        let money = { (units: Int64) in Value.money(Money(minorUnits: units, currency: "NOK")) }
        let inputs: [String: Value] = journey.inputs.merging([
            "maxAmount": money(maxAmount), "pricePerKWh": money(pricePerKWh), "startFee": money(startFee),
        ]) { journeyValue, _ in journeyValue }
        let id = "demo-" + UUID().uuidString.prefix(8).lowercased()
        return try await withFlowTestBed(flows: flows, simulatorConfiguration: configuration, stateDirectory: stateDirectory) { bed in
            let start = bed.now
            var signals: [String: String] = [:]
            try await bed.start(journey.flow, id: id, inputs: inputs)
            var link: (url: String, at: Date)?
            var followedAt: Date?
            if journey != .push {
                let created = try bed.instance(id)
                guard let payment = created.paymentLink, let url = payment.redirectURL else {
                    throw DemoFailure(message: "the \(journey.flow) flow handed out no payment link (instance \(id) is \(created.status))")
                }
                link = (url, bed.now)
                try await bed.advance(by: approveAfter)
                try await follow(url, reference: payment.reference, in: bed)
                followedAt = bed.now
            }
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
                keptStateDirectory: stateDirectory != nil, signals: signals, energyWh: readings.map(\.energyWh).max() ?? 0,
                link: link, followedAt: followedAt)
        }
    }

    /// What the customer's app does once they open the link: approve with the link's token, over HTTP through
    /// the provider's test approve endpoint (`POST /epayment/v1/test/payments/{reference}/approve`).
    private func follow(_ link: String, reference: String, in bed: FlowTestBed) async throws {
        guard let token = URLComponents(string: link)?.queryItems?.first(where: { $0.name == "token" })?.value else {
            throw DemoFailure(message: "the payment link \(link) carries no token")
        }
        try await bed.runtime.services.payments.forceApprove(reference: reference, token: token, idempotencyKey: "demo-approve-\(reference)")
        await bed.runUntilIdle()
    }

    /// The demo could not play its part of the journey.
    struct DemoFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "evflow demo: \(message)" }
    }

    static func kWh(_ energyWh: Int64) -> String {
        String(format: "%d.%03d kWh", energyWh / 1000, energyWh % 1000)
    }
}
