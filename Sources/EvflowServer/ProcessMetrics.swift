import Foundation
import Prometheus
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process metrics Prometheus clients export by convention (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds`,
/// `process_start_time_seconds`), refreshed from `/proc/self` on each scrape. Where there is no `/proc` only the
/// start time is known.
final class ProcessMetrics: Sendable {
    private let cpuSeconds: Prometheus.Counter
    private let residentMemory: Gauge
    private let virtualMemory: Gauge
    private let openDescriptors: Gauge
    private let maximumDescriptors: Gauge
    private let startTime: Gauge
    /// The CPU time already added to ``cpuSeconds`` (a counter only moves forward, by increments).
    private let countedCPU = Mutex<Double>(0)

    init(registry: PrometheusCollectorRegistry) {
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
        }
        cpuSeconds = registry.makeCounter(descriptor: MetricNameDescriptor(
            metricName: "process_cpu_seconds_total", unitName: "", helpText: "Total user and system CPU time spent in seconds."))
        residentMemory = gauge("process_resident_memory_bytes", "Resident memory size in bytes.")
        virtualMemory = gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
        openDescriptors = gauge("process_open_fds", "Number of open file descriptors.")
        maximumDescriptors = gauge("process_max_fds", "Maximum number of open file descriptors.")
        startTime = gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
        startTime.set(Self.startTime() ?? Date().timeIntervalSince1970)
        update()
    }

    /// Reads the process's current figures into the gauges and the CPU counter.
    func update() {
        #if os(Linux)
        if let stat = Self.stat() {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let cpu = (stat.userTicks + stat.systemTicks) / ticks
            let added = countedCPU.withLock { counted -> Double in
                let added = max(0, cpu - counted)
                counted += added
                return added
            }
            if added > 0 { cpuSeconds.increment(by: added) }
            virtualMemory.set(stat.virtualBytes)
            residentMemory.set(stat.residentPages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openDescriptors.set(Double(descriptors.count))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maximumDescriptors.set(Double(limit.rlim_cur)) }
        #endif
    }

    private struct Stat {
        var userTicks: Double
        var systemTicks: Double
        var startTicks: Double
        var virtualBytes: Double
        var residentPages: Double
    }

    /// The fields of `/proc/self/stat` (proc(5)) after the command name, which may itself hold spaces and parentheses.
    private static func stat() -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")") else { return nil }
        // Field 3 (state) is the first after the name; utime is 14, stime 15, starttime 22, vsize 23, rss 24.
        let fields = text[text.index(after: end)...].split(separator: " ").map { Double($0) }
        func field(_ number: Int) -> Double? { fields.indices.contains(number - 3) ? fields[number - 3] : nil }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23), let resident = field(24) else {
            return nil
        }
        return Stat(userTicks: user, systemTicks: system, startTicks: start, virtualBytes: virtual, residentPages: resident)
    }

    /// When the process started, in seconds since 1970: the boot time (`btime` of `/proc/stat`) plus the
    /// process's start in clock ticks after boot.
    private static func startTime() -> Double? {
        #if os(Linux)
        guard let stat = stat(), let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let boot = Double(line.dropFirst("btime ".count)) else { return nil }
        return boot + stat.startTicks / Double(sysconf(Int32(_SC_CLK_TCK)))
        #else
        return nil
        #endif
    }
}
