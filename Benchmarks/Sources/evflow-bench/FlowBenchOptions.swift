import Foundation

/// Options of `evflow-bench flow`, parsed by hand like ``BenchOptions``.
struct FlowBenchOptions {
    /// Concurrent sessions measured, each a closed loop (that many sessions in flight at all times).
    var levels = [1, 16, 256]
    /// Rounds per level; each round runs evflow, the floor and DBOS once, in alternating order.
    var rounds = 2
    /// Sessions run before a measurement window opens (connections, caches, the JIT-free but cold engine).
    var warmup: Duration = .seconds(1.5)
    /// The measured window; flows/s counts the sessions that finished inside it.
    var window: Duration = .seconds(5)
    /// Sequential samples behind `floor.fsync_write_ms` and `floor.http_rtt_ms`.
    var floorSamples = 300
    /// FlowRunner's `maximumConcurrency` (instances run at once); `nil` uses the API's default (64).
    var engineConcurrency: Int? = nil
    var output: String? = BenchOptions.defaultOutput
    var simulator: String? = nil
    var peers = true
    /// Also measures the floor with its fsyncs blocking the cooperative pool (`flow.floor_pool_per_s_C`).
    var floorOnPool = false
    var dbosPollInterval = 1.0
    var dbosJournalMode = "wal"
    /// Runs only evflow at the first level for `--profile-seconds`, for a profiler attached from outside.
    var profileSeconds: Double? = nil

    static let usage = """
    usage: evflow-bench flow [options]
      --levels 1,16,256    concurrent sessions to measure (default 1,16,256)
      --rounds N           rounds per level, alternating engine order; medians are reported (default 2)
      --warmup SECONDS     run before each window opens (default 1.5)
      --seconds SECONDS    measured window per engine, level and round (default 5)
      --floor-samples N    sequential samples for floor.fsync_write_ms and floor.http_rtt_ms (default 300)
      --engine-concurrency N  FlowRunner maximumConcurrency (default: the API default, 64)
      --no-peers           skip DBOS
      --floor-pool         also run the floor with its fsyncs blocking the 2-thread cooperative pool, as any
                           async code calling fsync does (flow.floor_pool_per_s_C); adds a run per level and round
      --dbos-poll SECONDS  DBOS notification polling interval on SQLite (default 1.0, DBOS's default)
      --dbos-journal wal|delete  SQLite journal mode for DBOS (default wal: 2.5-4x faster here than the
                           rollback journal DBOS creates by itself, "delete")
      --simulator PATH     epayment-sim executable (default: next to this one)
      --output PATH        JSON file to merge results into (default Benchmarks/results/latest.json)
      --no-output          print only
      --profile SECONDS    run evflow alone at the first level for this long (attach perf meanwhile); no output
      --quick              levels 1,16 (unless --levels), 1 round, 0.5 s warm-up, 1.5 s windows, 100 floor
                           samples: a smoke run of about 30 s
    """

    static func parse(_ arguments: [String]) throws -> FlowBenchOptions {
        var options = FlowBenchOptions()
        var arguments = BenchArguments(arguments, usage: usage)
        var levelsGiven = false
        var quick = false
        while let argument = arguments.next() {
            switch argument {
            case "--levels":
                let values = try arguments.text(argument).split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
                    throw BenchError("--levels takes positive numbers separated by commas, e.g. 1,16,256\n\(usage)")
                }
                options.levels = values.compactMap { $0 }
                levelsGiven = true
            case "--rounds": options.rounds = try arguments.number(argument)
            case "--warmup": options.warmup = .seconds(try arguments.seconds(argument))
            case "--seconds": options.window = .seconds(try arguments.seconds(argument))
            case "--floor-samples": options.floorSamples = try arguments.number(argument)
            case "--engine-concurrency": options.engineConcurrency = try arguments.number(argument)
            case "--no-peers": options.peers = false
            case "--floor-pool": options.floorOnPool = true
            case "--dbos-poll": options.dbosPollInterval = try arguments.seconds(argument)
            case "--dbos-journal":
                let mode = try arguments.text(argument)
                guard ["delete", "wal"].contains(mode) else { throw BenchError("--dbos-journal takes delete or wal\n\(usage)") }
                options.dbosJournalMode = mode
            case "--simulator": options.simulator = try arguments.text(argument)
            case "--output": options.output = try arguments.text(argument)
            case "--no-output": options.output = nil
            case "--profile":
                options.profileSeconds = try arguments.seconds(argument)
                options.output = nil
                options.peers = false
            case "--quick":
                quick = true
                options.rounds = 1
                options.warmup = .seconds(0.5)
                options.window = .seconds(1.5)
                options.floorSamples = 100
            case "--help", "-h": throw BenchError(usage)
            default: throw BenchError("unknown option \(argument)\n\(usage)")
            }
        }
        if quick && !levelsGiven { options.levels = [1, 16] }
        return options
    }
}
