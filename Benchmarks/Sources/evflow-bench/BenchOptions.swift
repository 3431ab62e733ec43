import Foundation

/// Command-line options; parsed by hand to keep the benchmark package's dependencies to the two clients.
struct BenchOptions {
    /// `Benchmarks/results/latest.json`, found from this source file so that `swift run` from the repository
    /// root (as `make bench` does) and from `Benchmarks/` write the same file.
    static let defaultOutput = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("results/latest.json").path

    var rounds = 5
    var warmup = 500
    var sequentialRequests = 2_000
    var concurrentRequests = 20_000
    var inFlight = 64
    var bodySize = 100
    var output: String? = BenchOptions.defaultOutput
    var server: String? = nil
    var clients = ["curl", "ahc"]
    var ahcEventLoops: Int? = nil

    static let usage = """
    usage: evflow-bench [options]
      --rounds N         measured rounds per client; medians are reported (default 5)
      --warmup N         warm-up requests per client before measuring (default 500)
      --seq N            sequential requests per round (default 2000)
      --requests N       requests per round with --in-flight outstanding (default 20000)
      --in-flight N      concurrent requests (default 64)
      --body-size N      response body bytes (default 100)
      --output PATH      JSON file to merge results into (default Benchmarks/results/latest.json)
      --no-output        print only
      --server PATH      bench-server executable (default: next to this one)
      --only curl|ahc    measure one client, e.g. under a profiler
      --ahc-event-loops N  give AHC its own N-thread event-loop group (default: NIO's singleton, 1 per core)
      --quick            1 round, 300 sequential, 3000 concurrent (smoke run)
    """

    static func parse(_ arguments: [String]) throws -> BenchOptions {
        var options = BenchOptions()
        var arguments = BenchArguments(arguments, usage: usage)
        while let argument = arguments.next() {
            switch argument {
            case "--rounds": options.rounds = try arguments.number(argument)
            case "--warmup": options.warmup = try arguments.number(argument)
            case "--seq": options.sequentialRequests = try arguments.number(argument)
            case "--requests": options.concurrentRequests = try arguments.number(argument)
            case "--in-flight": options.inFlight = try arguments.number(argument)
            case "--body-size": options.bodySize = try arguments.number(argument)
            case "--output": options.output = try arguments.text(argument)
            case "--no-output": options.output = nil
            case "--server": options.server = try arguments.text(argument)
            case "--ahc-event-loops": options.ahcEventLoops = try arguments.number(argument)
            case "--only":
                let name = try arguments.text(argument)
                guard ["curl", "ahc"].contains(name) else { throw BenchError("--only takes curl or ahc\n\(usage)") }
                options.clients = [name]
            case "--quick":
                options.rounds = 1
                options.sequentialRequests = 300
                options.concurrentRequests = 3_000
                options.warmup = 200
            case "--help", "-h": throw BenchError(usage)
            default: throw BenchError("unknown option \(argument)\n\(usage)")
            }
        }
        return options
    }
}
