import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// Damaged flow definitions, made from the shipped ones, loaded through the real loader from a file on disk.
///
/// The contract under test: the loader never crashes (deep nesting included), and a definition either loads or is
/// rejected with issues that each name the file, a line:column inside it, a JSON path and what is wrong; the file
/// itself is never changed. Deterministic: `EVFLOW_FUZZ_SEED` and `EVFLOW_FUZZ_ITERATIONS` (see ``FuzzRandom``).
@Suite("Fuzzing flow definitions")
struct DefinitionFuzzTests {
    static let flows = ScenarioRunnerTests.flows
    static let shipped = ["ev-charging.json", "ev-charging-landing-page.json", "ev-charging-qr.json", "fixed-price.json", "reserve-release.json"]

    static func shippedText(_ name: String) throws -> String {
        try String(contentsOf: flows.appending(path: name), encoding: .utf8)
    }

    /// Values of every JSON type, to put where another type belongs.
    static let otherTypes: [(name: String, text: String)] = [
        ("string", "\"fuzz\""), ("number", "7"), ("object", "{\"fuzz\": 1}"), ("array", "[1, \"two\"]"),
        ("null", "null"), ("bool", "true"),
    ]

    /// Values no definition expects: beyond Int64, beyond Double, negative zero, 100,000-character strings,
    /// 10,000-element arrays.
    static let hugeValues: [(name: String, text: String)] = [
        ("beyond Int64", "92233720368547758070"), ("Int64.min - 1", "-9223372036854775809"), ("1e308", "1e308"),
        ("1e999", "1e999"), ("-0", "-0"), ("tiny", "4.9e-400"), ("long fraction", "0." + String(repeating: "3", count: 5_000)),
        ("long string", "\"" + String(repeating: "x", count: 100_000) + "\""),
        ("long expression number", "\"" + String(repeating: "9", count: 10_000) + "\""),
        ("long identifier", "\"inputs." + String(repeating: "a", count: 50_000) + "\""),
        ("10k array", "[" + Array(repeating: "1", count: 10_000).joined(separator: ",") + "]"),
        ("10k object", "{" + (0..<10_000).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + "}"),
        ("huge duration", "\"99999999999999999999d\""), ("overflowing duration", "\"106751991167d\""),
        ("Int64.max money", "\"money(9223372036854775807, 'NOK') + money(1, 'NOK')\""),
        ("Int64.min", "\"-9223372036854775808 - 1\""), ("division by zero", "\"1 / 0\""),
    ]

    /// Nested arrays or objects `depth` deep, around a 1.
    static func nested(_ depth: Int, object: Bool) -> String {
        object ? String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
            : String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
    }

    /// Expressions `depth` deep in each way the expression grammar nests: parentheses, unary operators, calls,
    /// and a left-deep chain of binary operators.
    static func nestedExpressions(_ depth: Int) -> [(name: String, text: String)] {
        [
            ("parentheses", String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)),
            ("negations", String(repeating: "-", count: depth) + "1"),
            ("nots", String(repeating: "!", count: depth) + "true"),
            ("calls", String(repeating: "string(", count: depth) + "1" + String(repeating: ")", count: depth)),
            ("chain", "1" + String(repeating: " + 1", count: depth)),
            ("unclosed", String(repeating: "(", count: depth) + "1"),
        ].map { ($0.0, JSONMutator.quoted($0.1)) }
    }

    // MARK: - The checks

    enum Outcome { case loaded, rejected }

    /// Counts outcomes per kind of damage, printed at the end of each test.
    final class Tally: @unchecked Sendable {
        private var counts: [String: (loaded: Int, rejected: Int)] = [:]

        func add(_ kind: String, _ outcome: Outcome) {
            var entry = counts[kind] ?? (0, 0)
            if outcome == .loaded { entry.loaded += 1 } else { entry.rejected += 1 }
            counts[kind] = entry
        }

        func report(_ test: String) {
            let lines = counts.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value.loaded + $0.value.rejected) inputs, \($0.value.loaded) loaded, \($0.value.rejected) rejected" }
            print("fuzz \(test) (seed \(FuzzRandom.seed), EVFLOW_FUZZ_ITERATIONS=\(FuzzRandom.iterations)):\n" + lines.joined(separator: "\n"))
        }
    }

    /// Writes `bytes` to `folder/name`, loads it with ``FlowDefinitionLoader``, and checks the contract. The file
    /// stays behind when the process crashes, so the input that crashed it can be replayed.
    @discardableResult
    static func check(
        _ bytes: [UInt8], as name: String = "fuzzed.json", in folder: URL, _ what: @autoclosure () -> String,
        mutatedPath: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (outcome: Outcome, error: DefinitionValidationError?) {
        let file = folder.appending(path: name)
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let result: Result<FlowDefinition, DefinitionValidationError>
        let clock = ContinuousClock.now
        do throws(DefinitionValidationError) {
            result = .success(try FlowDefinitionLoader().load(fileAt: file))
        } catch {
            result = .failure(error)
        }
        // Not an assertion (machines differ), but a load taking seconds is how a quadratic path shows up.
        let took = ContinuousClock.now - clock
        if took > .seconds(1) { print("fuzz: slow load (\(took)): \(what().prefix(200))") }
        #expect(try Array(Data(contentsOf: file)) == bytes, "the loader changed the file: \(what())", sourceLocation: sourceLocation)
        switch result {
        case .success(let definition):
            #expect(definition.file == file.path, "\(what())", sourceLocation: sourceLocation)
            return (.loaded, nil)
        case .failure(let error):
            #expect(!error.issues.isEmpty, "rejected without saying why: \(what())", sourceLocation: sourceLocation)
            for issue in error.issues {
                let context = "\(issue) — input: \(what())"
                #expect(issue.file == file.path, "\(context)", sourceLocation: sourceLocation)
                #expect(issue.jsonPath.hasPrefix("$"), "\(context)", sourceLocation: sourceLocation)
                #expect(!issue.message.isEmpty, "\(context)", sourceLocation: sourceLocation)
                #expect(issue.line >= 1 && issue.line <= max(1, lines.count), "line outside the file: \(context)", sourceLocation: sourceLocation)
                if issue.line >= 1 && issue.line <= lines.count {
                    // Columns count characters; a line has at most as many as it has bytes (+1 for the end).
                    #expect(issue.column >= 1 && issue.column <= lines[issue.line - 1].count + 1, "column outside the line: \(context)", sourceLocation: sourceLocation)
                }
                #expect(issue.description.hasPrefix("\(file.path):\(issue.line):\(issue.column): \(issue.jsonPath): "), "\(context)", sourceLocation: sourceLocation)
            }
            if let mutatedPath {
                // At least one issue points at the damaged value, one of its parents, or something inside it.
                let related = error.issues.contains { $0.jsonPath.hasPrefix(mutatedPath) || mutatedPath.hasPrefix($0.jsonPath) }
                #expect(related, "no issue names \(mutatedPath) or a parent: \(error) — input: \(what())", sourceLocation: sourceLocation)
            }
            return (.rejected, error)
        }
    }

    /// The JSON path as the loader writes it (`$.steps[2]["$schema"]`).
    static func loaderPath(_ path: JSONMutator.Path) -> String {
        "$" + path.map { step in
            switch step {
            case .key(let key): DefinitionDecoder.isIdentifier(key) ? ".\(key)" : "[\"\(key)\"]"
            case .index(let index): "[\(index)]"
            }
        }.joined()
    }

    // MARK: - Tests

    @Test func truncationAtEveryOffset() throws {
        let folder = try FuzzRandom.temporaryFolder("definition-truncation")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tally = Tally()
        let names = FuzzRandom.isLongRun ? Self.shipped : ["fixed-price.json"]
        for name in names {
            let bytes = Array(try Self.shippedText(name).utf8)
            for offset in 0..<bytes.count {
                let (outcome, _) = try Self.check(Array(bytes[..<offset]), in: folder, "\(name) truncated to \(offset) bytes")
                // Only a cut in the trailing newline leaves a whole definition.
                let whole = bytes[offset...].allSatisfy { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: " ") }
                #expect(outcome == (whole ? .loaded : .rejected), "\(name) truncated to \(offset) bytes: \(outcome)")
                tally.add("truncated \(name)", outcome)
            }
        }
        // The other files at random offsets.
        var random = FuzzRandom(seed: FuzzRandom.seed)
        for iteration in 0..<FuzzRandom.iterations {
            let name = Self.shipped.randomElement(using: &random)!
            let bytes = Array(try Self.shippedText(name).utf8)
            let offset = Int.random(in: 0..<bytes.count, using: &random)
            let (outcome, _) = try Self.check(Array(bytes[..<offset]), in: folder, "\(name) truncated to \(offset) bytes (iteration \(iteration))")
            tally.add("truncated at random", outcome)
        }
        tally.report("truncation")
    }

    @Test func wrongTypeAtEveryPath() throws {
        let folder = try FuzzRandom.temporaryFolder("definition-types")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tally = Tally()
        var random = FuzzRandom(seed: FuzzRandom.seed &+ 1)
        for name in Self.shipped {
            let mutator = try JSONMutator(text: Self.shippedText(name))
            for path in mutator.paths {
                let original = try #require(mutator.node(at: path))
                let candidates = Self.otherTypes.filter { $0.name != Self.typeName(original) }
                // Every other type on a long run; one, chosen by the seed, otherwise.
                let chosen = FuzzRandom.isLongRun ? candidates : [candidates.randomElement(using: &random)!]
                for replacement in chosen {
                    let text = mutator.text(replacing: path, with: replacement.text)
                    let jsonPath = Self.loaderPath(path)
                    let (outcome, _) = try Self.check(Array(text.utf8), in: folder, "\(name) with \(jsonPath) replaced by \(replacement.name)",
                                                      mutatedPath: jsonPath)
                    tally.add("\(Self.typeName(original)) → \(replacement.name)", outcome)
                    if path.isEmpty { #expect(outcome == .rejected, "a definition that is not an object loaded") }
                }
            }
        }
        tally.report("wrong types")
    }

    static func typeName(_ node: JSONNode) -> String {
        switch node.kind {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "bool"
        case .null: "null"
        }
    }

    @Test func hugeValues() throws {
        let folder = try FuzzRandom.temporaryFolder("definition-huge")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tally = Tally()
        var random = FuzzRandom(seed: FuzzRandom.seed &+ 2)
        let mutators = try Self.shipped.map { ($0, try JSONMutator(text: Self.shippedText($0))) }
        // Every huge value once at a value that holds a number or an expression, then random places.
        let (name, mutator) = mutators[0]
        let amount = try #require(mutator.paths.first { Self.loaderPath($0).hasSuffix(".amount") })
        for value in Self.hugeValues {
            let (outcome, _) = try Self.check(Array(mutator.text(replacing: amount, with: value.text).utf8), in: folder,
                                              "\(name) with \(Self.loaderPath(amount)) = \(value.name)", mutatedPath: Self.loaderPath(amount))
            tally.add(value.name, outcome)
        }
        for iteration in 0..<FuzzRandom.iterations {
            let (name, mutator) = mutators.randomElement(using: &random)!
            let path = mutator.paths.randomElement(using: &random)!
            let value = Self.hugeValues.randomElement(using: &random)!
            let (outcome, _) = try Self.check(Array(mutator.text(replacing: path, with: value.text).utf8), in: folder,
                                              "\(name) with \(Self.loaderPath(path)) = \(value.name) (iteration \(iteration))")
            tally.add(value.name, outcome)
        }
        tally.report("huge values")
    }

    @Test(arguments: [10, 100, 1_000, 100_000])
    func deepNesting(depth: Int) throws {
        let folder = try FuzzRandom.temporaryFolder("definition-nesting")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tally = Tally()
        let name = "ev-charging.json"
        let mutator = try JSONMutator(text: Self.shippedText(name))

        // The whole file, and the whole file wrapped.
        for object in [false, true] {
            let kind = object ? "objects" : "arrays"
            try Self.check(Array(Self.nested(depth, object: object).utf8), in: folder, "\(depth) levels of \(kind) at top level")
            try Self.check(Array(Self.nested(depth, object: object).replacingOccurrences(of: "1", with: mutator.text).utf8), in: folder,
                           "\(name) inside \(depth) levels of \(kind)")
            let (outcome, error) = try Self.check(Array(String(repeating: object ? "{\"a\":" : "[", count: depth).utf8), in: folder,
                                                  "\(depth) unclosed \(kind)")
            #expect(outcome == .rejected)
            tally.add("top level \(kind)", outcome)
            if depth > 256 {
                // Stopped at the depth limit, with the path that got there.
                let issue = try #require(error?.issues.first)
                #expect(issue.message.contains("nesting deeper than"), "\(issue)")
                #expect(issue.jsonPath.count > 256, "\(issue)")
            }
        }

        // Inside a notify payload and in place of a step.
        let payload = try #require(mutator.paths.first { Self.loaderPath($0).hasSuffix(".payload") })
        let step = try #require(mutator.paths.first { Self.loaderPath($0) == "$.steps[2]" })
        for path in [payload, step] {
            for object in [false, true] {
                let (outcome, _) = try Self.check(Array(mutator.text(replacing: path, with: Self.nested(depth, object: object)).utf8), in: folder,
                                                  "\(name) with \(depth) levels at \(Self.loaderPath(path))", mutatedPath: Self.loaderPath(path))
                tally.add("nested at \(Self.loaderPath(path))", outcome)
            }
        }

        // Inside every expression field of the steps.
        let expressions = mutator.paths.filter { path in
            guard case .key(let key)? = path.last, path.first == .key("steps"),
                  !["id", "kind", "next", "onFailure", "onTimeout", "event", "description", "signal", "error", "message", "endpoint"].contains(key),
                  case .string? = mutator.node(at: path)?.kind else { return false }
            return true
        }
        #expect(expressions.count > 10)
        let forms = Self.nestedExpressions(depth)
        var limitsHit = 0
        for (index, path) in expressions.enumerated() {
            // Each form at a different field, every form at every field on a long run.
            let chosen = FuzzRandom.isLongRun ? forms : [forms[index % forms.count]]
            for form in chosen {
                let (outcome, error) = try Self.check(Array(mutator.text(replacing: path, with: form.text).utf8), in: folder,
                                                      "\(name) with \(depth) levels of \(form.name) at \(Self.loaderPath(path))",
                                                      mutatedPath: Self.loaderPath(path))
                tally.add("expression \(form.name)", outcome)
                if depth >= 1_000 {
                    #expect(outcome == .rejected, "\(depth) levels of \(form.name) at \(Self.loaderPath(path)) loaded")
                    #expect(error?.issues.contains { $0.jsonPath == Self.loaderPath(path) } == true, "\(String(describing: error))")
                }
                // Where the field is an expression: 100 levels fit in the token limit, so the parser's own depth
                // limit stops them; 100,000 levels stop at the token limit.
                let inExpression = error?.issues.filter { $0.jsonPath == Self.loaderPath(path) && $0.message.hasPrefix("in expression") } ?? []
                let limit = depth == 100 && form.name != "chain" ? "nested deeper than 64 levels" : depth == 100_000 ? "longer than 1000 tokens" : nil
                if let limit, !inExpression.isEmpty {
                    #expect(inExpression.contains { $0.message.contains(limit) }, "\(inExpression)")
                    limitsHit += 1
                }
            }
        }
        if depth == 100 || depth == 100_000 { #expect(limitsHit > 5, "the expression limits were not exercised") }
        tally.report("nesting \(depth)")
    }

    @Test func randomByteEdits() throws {
        let folder = try FuzzRandom.temporaryFolder("definition-bytes")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tally = Tally()
        var random = FuzzRandom(seed: FuzzRandom.seed &+ 3)
        let files = try Self.shipped.map { ($0, Array(try Self.shippedText($0).utf8)) }
        let interesting: [UInt8] = Array("{}[]\",:\\0123456789-+.eEtrufalsn \n\t".utf8) + [0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf8, 0xfe, 0xff]
        for iteration in 0..<(FuzzRandom.iterations * 4) {
            let (name, original) = files.randomElement(using: &random)!
            var bytes = original
            var edits: [String] = []
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let offset = Int.random(in: 0..<bytes.count, using: &random)
                let byte = Bool.random(using: &random) ? interesting.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[offset] ^= 1 << UInt8.random(in: 0..<8, using: &random); edits.append("flip@\(offset)")
                case 1: bytes.insert(byte, at: offset); edits.append("insert \(byte)@\(offset)")
                case 2: bytes[offset] = byte; edits.append("set \(byte)@\(offset)")
                default: if bytes.count > 1 { bytes.remove(at: offset); edits.append("delete@\(offset)") }
                }
            }
            let (outcome, _) = try Self.check(bytes, in: folder, "\(name) with \(edits.joined(separator: ", ")) (iteration \(iteration))")
            tally.add("byte edits", outcome)
        }
        tally.report("random bytes")
    }

    @Test func encodingAndDuplicateKeys() throws {
        let folder = try FuzzRandom.temporaryFolder("definition-encoding")
        defer { try? FileManager.default.removeItem(at: folder) }
        let name = "fixed-price.json"
        let text = try Self.shippedText(name)
        let bytes = Array(text.utf8)

        // A byte-order mark is allowed; the definition loads as if it were not there.
        let (withBOM, _) = try Self.check([0xEF, 0xBB, 0xBF] + bytes, in: folder, "BOM + \(name)")
        #expect(withBOM == .loaded)
        try Self.check([0xEF, 0xBB, 0xBF], in: folder, "only a BOM")
        try Self.check([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + bytes, in: folder, "two BOMs")
        try Self.check([], in: folder, "an empty file")

        // Invalid UTF-8 in a string on line 5: the issue says where.
        let line5 = try #require(text.range(of: "A fixed-price session"))
        let offset = text.utf8.distance(from: text.utf8.startIndex, to: line5.lowerBound)
        for (label, invalid) in [("lone continuation", [0x80]), ("truncated sequence", [0xC3]), ("overlong", [0xC0, 0xAF]),
                                 ("surrogate", [0xED, 0xA0, 0x80]), ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]), ("0xFF", [0xFF])] as [(String, [UInt8])] {
            let damaged = Array(bytes[..<offset]) + invalid + Array(bytes[offset...])
            let (outcome, error) = try Self.check(damaged, in: folder, "\(label) UTF-8 in \(name)")
            #expect(outcome == .rejected)
            let issue = try #require(error?.issues.first)
            #expect(issue.line == 5, "\(issue)")
            #expect(issue.message.contains("UTF-8"), "\(issue)")
        }

        // A second member with the name of the first in each object: rejected at the duplicate.
        let mutator = try JSONMutator(text: text)
        var duplicates = 0
        for path in mutator.paths {
            guard case .object(let members)? = mutator.node(at: path)?.kind, let first = members.first else { continue }
            var node = try #require(mutator.node(at: path))
            node.kind = .object(members + [first])
            let damaged = mutator.text(replacing: path, with: JSONMutator.text(of: node))
            let (outcome, error) = try Self.check(Array(damaged.utf8), in: folder, "duplicate \"\(first.key)\" in \(Self.loaderPath(path))")
            #expect(outcome == .rejected)
            #expect(error?.issues.first?.message.contains("duplicate member \"\(first.key)\"") == true, "\(String(describing: error))")
            #expect(error?.issues.first?.jsonPath == Self.loaderPath(path), "\(String(describing: error))")
            duplicates += 1
        }
        #expect(duplicates > 10)
        print("fuzz encoding: 3 BOM cases, 6 invalid UTF-8 cases, \(duplicates) duplicate-key cases")
    }

    @Test func validateCommandReportsFuzzedFilesWithExitCode2() async throws {
        let folder = try FuzzRandom.temporaryFolder("definition-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try Self.shippedText("ev-charging.json")
        let mutator = try JSONMutator(text: text)
        let amount = try #require(mutator.paths.first { Self.loaderPath($0).hasSuffix(".amount") })
        let inputs: [(String, [UInt8])] = [
            ("truncated.json", Array(text.utf8.prefix(text.utf8.count / 2))),
            ("deep-array.json", Array(Self.nested(100_000, object: false).utf8)),
            ("deep-expression.json", Array(mutator.text(replacing: amount, with: Self.nestedExpressions(100_000)[0].text).utf8)),
            ("wrong-type.json", Array(mutator.text(replacing: amount, with: "[1, 2]").utf8)),
            ("invalid-utf8.json", Array(text.utf8.prefix(200)) + [0xFF] + Array(text.utf8.dropFirst(200))),
            ("huge-number.json", Array(mutator.text(replacing: amount, with: "1e999").utf8)),
        ]
        for (name, bytes) in inputs {
            let file = folder.appending(path: name)
            try Data(bytes).write(to: file)
            let run = try await BuiltProduct.evflow.run(["validate", file.path])
            #expect(run.status == 2, "\(name): exit \(run.status)\n\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("\(file.path):"), "\(name): \(run.stdout)\n\(run.stderr)")
            #expect(run.stderr.contains("in 1 file"), "\(name): \(run.stderr)")
            #expect(try Array(Data(contentsOf: file)) == bytes, "\(name) was changed")
        }
    }
}
