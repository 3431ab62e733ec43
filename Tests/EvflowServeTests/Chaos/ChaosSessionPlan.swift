/// What one charging session of the campaign does, drawn from the seed: whether the customer approves, the
/// tariff, the meter readings and the final energy, and from them the price the provider must end up capturing.
struct ChaosSessionPlan: Sendable, CustomStringConvertible {
    enum Kind: String, Sendable {
        /// Approved, some energy below the cap.
        case charges
        /// Approved, the car never drew energy: nothing captured, everything released.
        case noEnergy
        /// Approved, the price passes the reservation: exactly the reservation is captured.
        case capped
        /// The customer rejects the payment in the app: nothing captured, nothing held.
        case declined
    }

    static let maxAmount: Int64 = 50_000
    static let currency = "NOK"

    let index: Int
    /// The first part of the instance id: each campaign its own, so that one campaign's call reaching another's
    /// server (both run in one `swift test`) is an unknown instance, not a silent duplicate of the same id.
    var prefix = "chaos"
    let kind: Kind
    let pricePerKWh: Int64
    let startFee: Int64
    /// Cumulative Wh sent as `meterReading` signals, increasing.
    let readings: [Int64]
    /// The Wh sent with `sessionEnded`, at least the last reading.
    let finalEnergyWh: Int64
    /// Pauses between the driver's signals, in milliseconds.
    let pauses: [Int]

    var id: String { "\(prefix)-\(String(repeating: "0", count: max(0, 5 - String(index).count)))\(index)" }
    /// The flow's payment reference: `'ev-' + instance.id` in flows/ev-charging.json.
    var reference: String { "ev-" + id }
    var customerApproves: Bool { kind != .declined }

    /// Computed here independently of the flow: start fee + round-half-up(Wh × price per kWh / 1000), capped at
    /// the reservation; nothing when no energy was delivered or the customer declined.
    var expectedCapture: Int64 {
        guard customerApproves, finalEnergyWh > 0 else { return 0 }
        let energyCost = (finalEnergyWh * pricePerKWh + 500) / 1000
        return min(startFee + energyCost, Self.maxAmount)
    }

    /// Every amount the flow may capture when an operator moves the session while it meters (`retry
    /// --from-step price` or `capture`, a cancel): nothing, the price of the energy of any reading sent, or the
    /// full price. Each is computed as ``expectedCapture`` is, for the energy known at that reading.
    var pricesSoFar: Set<Int64> {
        guard customerApproves else { return [0] }
        var prices: Set<Int64> = [0, expectedCapture]
        for reading in readings where reading > 0 {
            prices.insert(min(startFee + (reading * pricePerKWh + 500) / 1000, Self.maxAmount))
        }
        return prices
    }

    var startBody: String {
        #"{"id": "\#(id)", "input": {"phoneNumber": "4791234567", "maxAmount": {"value": \#(Self.maxAmount), "currency": "NOK"}, "pricePerKWh": {"value": \#(pricePerKWh), "currency": "NOK"}, "startFee": {"value": \#(startFee), "currency": "NOK"}}}"#
    }

    var description: String {
        "\(id) \(kind.rawValue) price=\(pricePerKWh)/kWh fee=\(startFee) readings=\(readings) final=\(finalEnergyWh)Wh expect captured=\(expectedCapture)"
    }

    /// The plan of session `index`; the same for the same seed, whatever else the campaign draws.
    static func make(index: Int, seed: UInt64, prefix: String = "chaos") -> ChaosSessionPlan {
        var random = ChaosRandom(seed: seed, stream: 1000 + UInt64(index))
        let kind = random.pick([(Kind.charges, 80), (.noEnergy, 5), (.capped, 5), (.declined, 10)])
        let price = random.pick([(Int64(199), 1), (399, 2), (459, 1), (529, 1)])
        let fee = random.pick([(Int64(0), 1), (490, 1), (1250, 1)])
        var readings: [Int64] = []
        let final: Int64
        switch kind {
        case .charges, .capped:
            // Below the cap: at most 60 kWh × 5.29 + 12.50 = 329.90 NOK. Capped: at least 260 kWh × 1.99 = 517.40 NOK,
            // above the 500 NOK reservation at any tariff.
            final = kind == .charges ? Int64.random(in: 1...60_000, using: &random) : Int64.random(in: 260_000...400_000, using: &random)
            let count = Int.random(in: 0...4, using: &random)
            readings = (0..<count).map { _ in Int64.random(in: 0...final, using: &random) }.sorted()
        case .noEnergy:
            final = 0
        case .declined:
            final = 0
        }
        let pauses = (0...readings.count).map { _ in Int.random(in: 20...250, using: &random) }
        return ChaosSessionPlan(index: index, prefix: prefix, kind: kind, pricePerKWh: price, startFee: fee, readings: readings,
                                finalEnergyWh: final, pauses: pauses)
    }
}
