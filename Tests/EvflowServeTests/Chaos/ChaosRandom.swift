import EPaymentSimulator

/// SplitMix64, seeded from the campaign seed and a stream number, so each source of randomness (session plans,
/// kill times, fault bursts) replays the same decisions for the same `EVFLOW_CHAOS_SEED` whatever the others draw.
struct ChaosRandom: RandomNumberGenerator, Sendable {
    private var generator: SeededGenerator

    init(seed: UInt64, stream: UInt64) {
        generator = SeededGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = next()
    }

    mutating func next() -> UInt64 { generator.next() }

    /// A duration uniformly in `range` seconds, rounded to milliseconds so the printed value replays exactly.
    mutating func seconds(in range: ClosedRange<Double>) -> Duration {
        .milliseconds(Int64((Double.random(in: range, using: &self) * 1000).rounded()))
    }

    /// One of `choices`, picked with the given relative weights.
    mutating func pick<Choice>(_ choices: [(Choice, Int)]) -> Choice {
        var roll = Int.random(in: 0..<choices.reduce(0) { $0 + $1.1 }, using: &self)
        for (choice, weight) in choices {
            if roll < weight { return choice }
            roll -= weight
        }
        return choices[choices.count - 1].0
    }
}
