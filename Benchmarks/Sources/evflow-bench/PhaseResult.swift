#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The figures of one measured phase: one client, one load shape, one round.
struct PhaseResult: Sendable {
    var requests: Int
    var seconds: Double
    /// Per-request latencies in nanoseconds, sorted ascending.
    var latencies: [UInt64]
    /// CPU time (user + system) the benchmark process spent during the phase, in microseconds.
    var cpuMicroseconds: Double

    var perSecond: Double { Double(requests) / seconds }
    var p50Milliseconds: Double { percentile(0.50) }
    var p99Milliseconds: Double { percentile(0.99) }
    var cpuMicrosecondsPerRequest: Double { cpuMicroseconds / Double(requests) }

    /// Nearest-rank percentile in milliseconds.
    func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let rank = Int((fraction * Double(latencies.count)).rounded(.up))
        let index = min(max(rank - 1, 0), latencies.count - 1)
        return Double(latencies[index]) / 1_000_000
    }
}

/// Monotonic time in nanoseconds; cheaper and simpler to subtract than `ContinuousClock.Instant`.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// CPU time this process has used so far (all threads, user + system), in microseconds.
func processCPUMicroseconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    let user = Double(usage.ru_utime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec)
    let system = Double(usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_stime.tv_usec)
    return user + system
}

/// The median of `values` (the mean of the middle two for an even count).
func medianOf(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
