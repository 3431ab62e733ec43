import Foundation

/// Options of `evflow-bench scale`; parsed by hand like ``BenchOptions``.
struct ScaleOptions {
    /// The parts of the suite, for running one under a profiler.
    enum Part: String, CaseIterable {
        case list, recovery, rss
    }

    var count = 100_000
    /// Larger folders measured after `count` in the same run (list and recovery, and serve's memory): 1,000,000 by
    /// default, so the 1M figures sit beside the 100k ones.
    var largeCounts = [1_000_000]
    var rssCount = 10_000
    var rounds = 3
    var parts = Set(Part.allCases)
    var output: String? = BenchOptions.defaultOutput
    var evflow: String? = nil
    var simulator: String? = nil
    var regenerate = false

    static let usage = """
    usage: evflow-bench scale [options]
      --count N          parked instances for list and recovery (default 100000)
      --large-count N    a larger folder measured after it in the same run (default 1000000; repeatable;
                         0 for none): list, recovery and serve's memory at that size
      --rss-count N      waiting sessions serve holds for the memory figure (default 10000)
      --rounds N         rounds per figure; medians are reported (default 3)
      --only PART        list, recovery or rss (repeatable)
      --evflow PATH      the evflow binary (default: next to evflow-bench, i.e. the release build)
      --sim PATH         the epayment-sim binary (default: next to evflow-bench)
      --regenerate       build the parked-instance folders again even when their generator version matches
      --output PATH      JSON file to merge results into (default Benchmarks/results/latest.json)
      --no-output        print only
      --quick            2,000 parked, 1,000 for memory, 1 round (smoke run, figures keyed by those sizes)

    Build the binaries first:
      swift build -c release --package-path Benchmarks --product evflow
      swift build -c release --package-path Benchmarks --product epayment-sim
    """

    static func parse(_ arguments: [String]) throws -> ScaleOptions {
        var options = ScaleOptions()
        var only: Set<Part> = []
        var largeGiven = false
        var arguments = BenchArguments(arguments, usage: usage)
        while let argument = arguments.next() {
            switch argument {
            case "--count": options.count = try arguments.number(argument)
            case "--large-count":
                let number = try arguments.number(argument, allowingZero: true)
                if !largeGiven { options.largeCounts = [] }
                largeGiven = true
                if number > 0 { options.largeCounts.append(number) }
            case "--rss-count": options.rssCount = try arguments.number(argument)
            case "--rounds": options.rounds = try arguments.number(argument)
            case "--only":
                let name = try arguments.text(argument)
                guard let part = Part(rawValue: name) else { throw BenchError("--only takes list, recovery or rss\n\(usage)") }
                only.insert(part)
            case "--evflow": options.evflow = try arguments.text(argument)
            case "--sim": options.simulator = try arguments.text(argument)
            case "--regenerate": options.regenerate = true
            case "--output": options.output = try arguments.text(argument)
            case "--no-output": options.output = nil
            case "--quick":
                options.count = 2_000
                options.rssCount = 1_000
                options.rounds = 1
                if !largeGiven { options.largeCounts = [] }
            case "--help", "-h": throw BenchError(usage)
            default: throw BenchError("unknown option \(argument)\n\(usage)")
            }
        }
        if !only.isEmpty { options.parts = only }
        return options
    }

    /// `1m`, `100k`, `10k`, `2k`, `1500`: the size as it appears in result keys.
    static func sizeLabel(_ count: Int) -> String {
        if count % 1_000_000 == 0 { return "\(count / 1_000_000)m" }
        return count % 1000 == 0 ? "\(count / 1000)k" : "\(count)"
    }
}
