import Foundation

/// Options of `evflow-bench pg`, parsed by hand like ``FlowBenchOptions``.
struct PGBenchOptions {
    /// Sessions in flight measured with one worker (`pg.per_s_C`), and for DBOS (`pg.dbos.per_s_C`).
    var levels = [1, 16, 256]
    /// Worker processes sharing the database (`pg.workers_N_per_s`), each at ``workerLevel`` sessions in flight.
    var workers = [1, 2, 4]
    /// Sessions in flight while the worker count varies, and the floor's level.
    var workerLevel = 256
    var rounds = 1
    var warmup: Duration = .seconds(1.5)
    /// Longer than the flow suite's: at 256 in flight a session takes 6 to 7 s here, and a 5 s window (about one
    /// session's length) measured 25 flows/s where 15 to 20 s windows measured 38 to 48 for the same set-up.
    var window: Duration = .seconds(15)
    var output: String? = BenchOptions.defaultOutput
    var evflow: String? = nil
    var simulator: String? = nil
    var peers = true
    /// Where the throwaway cluster lives (deleted afterwards); a temporary folder by default.
    var clusterDirectory: String? = nil

    static let usage = """
    usage: evflow-bench pg [options]
      --levels 1,16,256    sessions in flight with one `evflow serve --store postgres://…` worker, and for DBOS
      --workers 1,2,4      worker processes sharing the database, at --worker-level sessions in flight
      --worker-level N     sessions in flight while the worker count varies, and the floor's level (default 256)
      --rounds N           rounds, alternating engine order; medians are reported (default 1)
      --warmup SECONDS     run before each window opens (default 1.5)
      --seconds SECONDS    measured window per run (default 15)
      --no-peers           skip DBOS
      --evflow PATH        evflow executable (default: next to this one)
      --simulator PATH     epayment-sim executable (default: next to this one)
      --cluster-dir PATH   folder for the throwaway cluster (default: a new temporary folder; deleted afterwards)
      --output PATH        JSON file to merge results into (default Benchmarks/results/latest.json)
      --no-output          print only
      --quick              levels 1,16, workers 1,2 at 16, 0.5 s warm-up, 1.5 s windows: a smoke run
    """

    static func parse(_ arguments: [String]) throws -> PGBenchOptions {
        var options = PGBenchOptions()
        var arguments = BenchArguments(arguments, usage: usage)
        func list(_ name: String) throws -> [Int] {
            let values = try arguments.text(name).split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw BenchError("\(name) takes positive numbers separated by commas\n\(usage)")
            }
            return values.compactMap { $0 }
        }
        while let argument = arguments.next() {
            switch argument {
            case "--levels": options.levels = try list(argument)
            case "--workers": options.workers = try list(argument)
            case "--worker-level": options.workerLevel = try arguments.number(argument)
            case "--rounds": options.rounds = try arguments.number(argument)
            case "--warmup": options.warmup = .seconds(try arguments.seconds(argument))
            case "--seconds": options.window = .seconds(try arguments.seconds(argument))
            case "--no-peers": options.peers = false
            case "--evflow": options.evflow = try arguments.text(argument)
            case "--simulator": options.simulator = try arguments.text(argument)
            case "--cluster-dir": options.clusterDirectory = try arguments.text(argument)
            case "--output": options.output = try arguments.text(argument)
            case "--no-output": options.output = nil
            case "--quick":
                options.levels = [1, 16]
                options.workers = [1, 2]
                options.workerLevel = 16
                options.warmup = .seconds(0.5)
                options.window = .seconds(1.5)
            case "--help", "-h": throw BenchError(usage)
            default: throw BenchError("unknown option \(argument)\n\(usage)")
            }
        }
        return options
    }
}
