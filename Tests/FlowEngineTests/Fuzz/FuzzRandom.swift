import EPaymentSimulator
import Foundation

/// A seeded random source (SplitMix64) and the fuzz settings, so every fuzz run can be repeated exactly.
///
/// `EVFLOW_FUZZ_ITERATIONS` sets how many random mutations each fuzz test tries (default 60, which keeps the fuzz
/// suites within CI's time; `make chaos` sets it higher, 2000 is a good long run). `EVFLOW_FUZZ_SEED` picks another
/// sequence; a failure message always names the seed and iteration, so it can be replayed.
struct FuzzRandom: RandomNumberGenerator {
    private var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    mutating func next() -> UInt64 { generator.next() }

    /// Random mutations per fuzz test.
    static var iterations: Int {
        ProcessInfo.processInfo.environment["EVFLOW_FUZZ_ITERATIONS"].flatMap { Int($0) }.map { max(1, $0) } ?? 60
    }

    /// Whether the run is a long one (`EVFLOW_FUZZ_ITERATIONS` above the default): exhaustive sweeps then cover
    /// every file instead of one.
    static var isLongRun: Bool { iterations > 60 }

    /// The seed of this run.
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["EVFLOW_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x00EF_F10A_5EED
    }

    /// A fresh temporary folder; kept when the process dies (a crash), so the last input tried is still there.
    static func temporaryFolder(_ label: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-fuzz-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
