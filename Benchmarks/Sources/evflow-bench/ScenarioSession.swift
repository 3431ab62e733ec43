import Foundation

/// One generated 10-hour EV charging session and what `ev-charging` must do with it, computed here from the
/// tariff and the readings alone (not by running the engine), so the flow-test harness is checked against an
/// independent answer.
struct ScenarioSession {
    enum Fault: String {
        case none, serverError, responseLost
    }

    var name: String
    var pricePerKWh: Int64
    var startFee: Int64
    var maxAmount: Int64
    /// Seconds from the start until the customer approves.
    var approveAfter: Int
    /// Cumulative readings in Wh at minute 10, 20, ... 590; a station may repeat one or report a lower one.
    var readings: [(minute: Int, energyWh: Int64, id: String)]
    /// The final reading, at 10 h.
    var finalEnergyWh: Int64
    /// A fault armed on the first capture call.
    var captureFault: Fault

    /// Generates session `index` from `random`: varied tariff, reservation, approval delay and charging curve;
    /// some sessions deliver nothing, some reach the reservation and stop early, some see duplicate or lower
    /// readings and a failing capture.
    static func generate(index: Int, random: inout ScenarioRandom) -> ScenarioSession {
        let price = Int64(random.next(in: 150...699))
        let fee = [0, 0, 250, 500, 990][random.next(in: 0...4)]
        let maximum = [20_000, 30_000, 50_000, 80_000][random.next(in: 0...3)]
        let approve = random.next(in: 0...1) == 0 ? random.next(in: 5...55) : 60 * random.next(in: 1...3)
        let idle = index % 50 == 7
        let power = random.next(in: 0...3_000)    // Wh per 10 minutes at most, up to 18 kW
        var energy: Int64 = 0
        var readings: [(minute: Int, energyWh: Int64, id: String)] = []
        for step in 1...59 {
            if !idle { energy += Int64(random.next(in: 0...power)) }
            var reported = energy
            if !idle, random.next(in: 0...19) == 0 { reported = max(0, energy - Int64(random.next(in: 1...500))) }   // a low glitch
            readings.append((10 * step, reported, "r-\(step)"))
            if random.next(in: 0...29) == 0 { readings.append((10 * step, reported, "r-\(step)")) }   // delivered twice
        }
        let final = idle ? 0 : energy
        let fault: Fault = index % 25 == 3 ? .serverError : index % 40 == 11 ? .responseLost : .none
        return ScenarioSession(
            name: "ev-10h-" + String(format: "%04d", index), pricePerKWh: price, startFee: Int64(fee), maxAmount: Int64(maximum),
            approveAfter: approve, readings: readings, finalEnergyWh: final, captureFault: fault)
    }

    /// The session's cost for `energyWh`: start fee + Wh × price / 1000, rounded half up to whole minor units.
    func cost(_ energyWh: Int64) -> Int64 { startFee + (pricePerKWh * energyWh + 500) / 1000 }

    /// What the flow must end with.
    struct Outcome {
        var captured: Int64
        var released: Int64
        /// The cost reached the reservation on a meter reading: charging stopped before the session ended.
        var cappedEarly: Bool
        /// The last meter event the flow absorbed decided the amount; nothing after it matters.
        var endedAtSession: Bool
    }

    var outcome: Outcome {
        var energy: Int64 = 0
        for reading in readings {
            energy = max(energy, reading.energyWh)
            if cost(energy) >= maxAmount { return settle(energy, cappedEarly: true) }
        }
        energy = max(energy, finalEnergyWh)
        return settle(energy, cappedEarly: false)
    }

    private func settle(_ energy: Int64, cappedEarly: Bool) -> Outcome {
        let due = energy > 0 ? cost(energy) : 0
        let captured = min(due, maxAmount)
        return Outcome(captured: captured, released: maxAmount - captured, cappedEarly: cappedEarly, endedAtSession: !cappedEarly)
    }

    /// The scenario file (docs/flow-tests.md).
    func json() -> [String: Any] {
        func money(_ value: Int64) -> [String: Any] { ["value": value, "currency": "NOK"] }
        var timeline: [[String: Any]] = readings.map {
            ["at": Self.duration(minutes: $0.minute), "signal": "meterReading", "data": ["energyWh": $0.energyWh], "id": $0.id]
        }
        timeline.append(["at": "10h", "signal": "sessionEnded", "data": ["energyWh": finalEnergyWh], "id": "end"])
        var provider: [String: Any] = ["customer": ["action": "approve", "after": approveAfter < 60 ? "\(approveAfter)s" : "\(approveAfter / 60)m"]]
        if captureFault != .none { provider["faults"] = ["capturePayment": ["fault": captureFault.rawValue, "times": 1]] }
        let outcome = self.outcome
        var expect: [String: Any] = [
            "status": "succeeded", "paymentState": "AUTHORIZED", "reserved": maxAmount,
            "captured": money(outcome.captured), "released": outcome.released, "refunded": 0, "held": 0,
            "captures": outcome.captured > 0 ? 1 : 0,
        ]
        if outcome.cappedEarly {
            expect["stepsInclude"] = ["meter", "stopCharging", "price", "capture", "releaseRemainder", "done"]
        } else if cost(max(readings.map(\.energyWh).max() ?? 0, finalEnergyWh)) < maxAmount {
            expect["stepsExclude"] = ["stopCharging"]
            expect["notifications"] = ["charging.start", "charging.completed"]
        }
        return [
            "name": name,
            "description": "10-hour session: \(readings.count) readings every 10 minutes, ended at 10h; \(pricePerKWh) øre/kWh, fee \(startFee), reserve \(maxAmount)"
                + (captureFault == .none ? "" : "; first capture fails with \(captureFault.rawValue)"),
            "flow": "ev-charging",
            "input": [
                "phoneNumber": "4791234567", "maxAmount": money(maxAmount), "pricePerKWh": money(pricePerKWh), "startFee": money(startFee),
            ],
            "provider": provider,
            "timeline": timeline,
            "expect": expect,
        ]
    }

    /// `10m`, `1h`, `9h50m`.
    static func duration(minutes: Int) -> String {
        let (hours, rest) = minutes.quotientAndRemainder(dividingBy: 60)
        if hours == 0 { return "\(rest)m" }
        return rest == 0 ? "\(hours)h" : "\(hours)h\(rest)m"
    }
}
