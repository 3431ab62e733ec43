/// A suite's command-line arguments, read flag by flag: every suite parses by hand (to keep the package's
/// dependencies to what it measures), and this is the one place that reads a flag's value and words the error,
/// which repeats the suite's usage.
struct BenchArguments {
    private var iterator: IndexingIterator<[String]>
    private let usage: String

    init(_ arguments: [String], usage: String) {
        iterator = arguments.makeIterator()
        self.usage = usage
    }

    /// The next flag, or `nil` at the end.
    mutating func next() -> String? { iterator.next() }

    /// The value after `flag`; `noun` names it in the error ("--output needs a path").
    mutating func text(_ flag: String, noun: String = "value") throws -> String {
        guard let text = iterator.next() else { throw BenchError("\(flag) needs a \(noun)\n\(usage)") }
        return text
    }

    /// - Parameter allowingZero: for a flag whose 0 means "none" (`--large-count 0`).
    mutating func number(_ flag: String, allowingZero: Bool = false) throws -> Int {
        guard let text = iterator.next(), let value = Int(text), value > 0 || (allowingZero && value == 0) else {
            throw BenchError("\(flag) needs a \(allowingZero ? "whole" : "positive") number\n\(usage)")
        }
        return value
    }

    mutating func seconds(_ flag: String) throws -> Double {
        guard let text = iterator.next(), let value = Double(text), value > 0 else {
            throw BenchError("\(flag) needs positive seconds\n\(usage)")
        }
        return value
    }
}
