import EPaymentSimulator
import EvflowTestSupport
import FlowTesting
import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Damaged copies of real state files (made by running the EV flow against the simulator) next to healthy
/// instances in one state folder.
///
/// The contract under test: nothing crashes; a file that does not decode is reported naming the instance and the
/// file, and moved to `corrupt/` byte for byte, never overwritten; nothing else in the folder changes; healthy
/// sessions still run to completion with the right money. Deterministic: `EVFLOW_FUZZ_SEED`,
/// `EVFLOW_FUZZ_ITERATIONS` (see ``FuzzRandom``).
@Suite("Fuzzing state files")
struct StateFileFuzzTests {
    static let flows = ScenarioRunnerTests.flows

    /// State files a real run wrote: an EV session parked waiting for meter readings, a finished one, and a
    /// signal in the parked session's inbox.
    struct Templates: Sendable {
        var parked: String
        var finished: String
        var signal: String
    }

    static let parkedID = "template-parked"
    static let finishedID = "template-finished"

    static func realStateFiles() async throws -> Templates {
        try await withFlowTestBed(flows: flows) { bed in
            try await Self.startCharging(bed, id: parkedID)
            try await Self.startCharging(bed, id: finishedID)
            try await bed.signal(finishedID, "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
            #expect(try bed.instance(finishedID).status == .succeeded)
            // Stored in the inbox; not run, so the file stays there.
            #expect(try bed.runner.signal(instanceID: parkedID, name: "meterReading", data: ["energyWh": .integer(4_200)], signalID: "reading-1"))
            let layout = StateLayout(root: bed.stateDirectory.standardizedFileURL.path)
            func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
            return Templates(parked: try text(layout.instanceFile(parkedID)), finished: try text(layout.instanceFile(finishedID)),
                             signal: try text(layout.signalFile("reading-1", of: parkedID)))
        }
    }

    /// Starts an EV session and has the customer approve it, leaving it metering (waiting for signals).
    static func startCharging(_ bed: FlowTestBed, id: String) async throws {
        try await bed.start("ev-charging", id: id, inputs: EVChargingFlowTests.inputs())
        try await bed.advance(by: .seconds(3))
        try await bed.approve(id)
        try await bed.advance(by: .seconds(10))
        #expect(try bed.instance(id).currentStep == "meter")
    }

    /// A state file's text for instance `id` instead of the template's.
    static func rename(_ text: String, from template: String, to id: String) -> String {
        text.replacingOccurrences(of: "\"\(template)\"", with: "\"\(id)\"")
    }

    // MARK: - Placing damage and watching the folder

    /// Puts the damaged file at `path`; symlink targets go to `outside`.
    static func place(_ placement: StateFileMutation.Placement, at path: String, outside: URL) throws {
        switch placement {
        case .file(let bytes):
            try Data(bytes).write(to: URL(filePath: path))
        case .directory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        case .symlink(let bytes):
            let target = outside.appending(path: "target-\(UUID().uuidString).json")
            try Data(bytes).write(to: target)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target.path)
        case .danglingSymlink:
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside.appending(path: "missing-\(UUID().uuidString)").path)
        }
    }

    /// The bytes a reader of `placement` sees, when it has any.
    static func bytes(of placement: StateFileMutation.Placement) -> [UInt8]? {
        switch placement {
        case .file(let bytes), .symlink(let bytes): bytes
        case .directory, .danglingSymlink: nil
        }
    }

    /// The first word of ``snapshot(_:)`` for a placement that is not a plain file, or `nil`.
    static func snapshot(of placement: StateFileMutation.Placement) -> String? {
        switch placement {
        case .file: nil
        case .directory: "directory"
        case .symlink, .danglingSymlink: "symlink"
        }
    }

    /// Every entry under `root`: directories, symlinks (by target) and files (by content). The outline index
    /// (`index/`) is left out: it is derived from the instance files and rewritten as they are set aside or found
    /// (that it stays in step is checked separately, against the files).
    static func snapshot(_ root: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return result }
        while let relative = enumerator.nextObject() as? String {
            if relative == "index" || relative.hasPrefix("index/") { continue }
            let path = root + "/" + relative
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFDIR: result[relative] = "directory \(status.st_mode & 0o777)"
            case S_IFLNK: result[relative] = "symlink to \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")"
            default: result[relative] = "file \(status.st_mode & 0o777) " + StateLayout.sha256(StoreFixtures.bytes(path) ?? [])
            }
        }
        return result
    }

    /// Whether something (file, directory, symlink) is at `path`, without following a symlink.
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    final class Tally: @unchecked Sendable {
        var counts: [String: [String: Int]] = [:]
        func add(_ kind: String, _ outcome: String) { counts[kind, default: [:]][outcome, default: 0] += 1 }
        func report(_ test: String) {
            let lines = counts.sorted { $0.key < $1.key }.map { kind, outcomes in
                "  \(kind): " + outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            }
            print("fuzz \(test) (seed \(FuzzRandom.seed), EVFLOW_FUZZ_ITERATIONS=\(FuzzRandom.iterations)):\n" + lines.joined(separator: "\n"))
        }
    }

    // MARK: - Store: load, list and inbox

    @Test func damagedFilesAreSetAsideByteForByteAndNothingElseChanges() async throws {
        let templates = try await Self.realStateFiles()
        let outside = try FuzzRandom.temporaryFolder("state-outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        let tally = Tally()
        try await StoreFixtures.withStore { store, layout in
            // Healthy neighbours: a parked session with a signal waiting, and a finished one.
            try StoreFixtures.write(Array(Self.rename(templates.parked, from: Self.parkedID, to: "healthy-parked").utf8), to: layout.instanceFile("healthy-parked"))
            try StoreFixtures.write(Array(Self.rename(templates.finished, from: Self.finishedID, to: "healthy-finished").utf8), to: layout.instanceFile("healthy-finished"))
            _ = store.makeDirectoryIfNeeded(layout.inboxDirectory("healthy-parked"))
            try StoreFixtures.write(Array(templates.signal.utf8), to: layout.signalFile("reading-1", of: "healthy-parked"))
            let parked = try store.load("healthy-parked")
            let finished = try store.load("healthy-finished")
            #expect(try store.inbox(of: "healthy-parked").map(\.id) == ["reading-1"])
            let catalog = DefinitionCatalog(definitions: try FlowDefinitionLoader().load(directory: Self.flows), store: store)
            let inspector = InstanceInspector(store: store, catalog: catalog)
            let diagnosis = StuckDiagnosis(grace: 60, now: Date())

            var random = FuzzRandom(seed: FuzzRandom.seed &+ 10)
            for iteration in 0..<(FuzzRandom.iterations * 2) {
                let kind = StateFileMutation.kinds[iteration % StateFileMutation.kinds.count]
                let isSignal = iteration % 3 == 2
                let id = "fuzz-\(iteration)"
                let valid = switch iteration % 3 {
                case 0: Self.rename(templates.parked, from: Self.parkedID, to: id)
                case 1: Self.rename(templates.finished, from: Self.finishedID, to: id)
                default: templates.signal
                }
                let mutation = try StateFileMutation.make(kind, from: valid, using: &random)
                let context = "iteration \(iteration), \(isSignal ? "signal" : "instance") file, \(mutation)"
                let path = isSignal ? layout.signalFile("fuzz-signal-\(iteration)", of: "healthy-parked") : layout.instanceFile(id)
                let before = Self.snapshot(layout.root)
                try Self.place(mutation.placement, at: path, outside: outside)

                let error: StoreError?
                if isSignal {
                    do throws(StoreError) {
                        let signals = try store.inbox(of: "healthy-parked")
                        #expect(signals.contains { $0.id == "reading-1" }, "\(context)")
                        error = nil
                    } catch let failure {
                        error = failure
                    }
                } else if iteration % 2 == 0 {
                    // The operator's listing: reads every instance.
                    #expect(try store.instanceIDs().contains(id), "\(context)")
                    let (summaries, unreadable) = try inspector.summaries(diagnosis)
                    #expect(summaries.contains { $0.id == "healthy-parked" } && summaries.contains { $0.id == "healthy-finished" }, "\(context)")
                    if let problem = unreadable[id] {
                        #expect(!summaries.contains { $0.id == id }, "\(context)")
                        do throws(StoreError) {
                            _ = try store.load(id)
                            Issue.record("listed as unreadable, then loaded: \(context)")
                            error = nil
                        } catch let failure {
                            // The first read set the file aside; this read finds it gone (or still unreadable).
                            #expect(failure.code != .corrupt || failure.quarantinedTo != nil, "\(context)")
                            error = failure.code == .notFound ? StoreError(.corrupt, instanceID: id, path: path, detail: problem) : failure
                        }
                        #expect(problem.contains(id) && problem.contains(path), "\(problem) — \(context)")
                    } else {
                        error = nil
                    }
                } else {
                    do throws(StoreError) {
                        let instance = try store.load(id)
                        // What an operator sees must not trap on whatever values the file holds.
                        _ = InstanceSummary(instance, stuck: inspector.stuckReason(instance, diagnosis)).runLine
                        error = nil
                    } catch let failure {
                        error = failure
                    }
                }

                let after = Self.snapshot(layout.root)
                let relative = String(path.dropFirst(layout.root.count + 1))
                var expected = before
                if let error {
                    tally.add(mutation.kind, "\(error.code)")
                    #expect(error.instanceID == (isSignal ? "healthy-parked" : id), "\(error) — \(context)")
                    #expect(error.description.contains(error.instanceID ?? "?") && error.description.contains(path), "\(error) — \(context)")
                    switch error.code {
                    case .corrupt:
                        // Moved aside: gone from its place, in corrupt/ with exactly the bytes it had.
                        #expect(!Self.exists(path), "\(context)")
                        let moved = Set(after.keys).subtracting(before.keys).filter { $0.hasPrefix("corrupt/") }
                        #expect(moved.count == 1, "\(moved) — \(context)")
                        if let name = moved.first {
                            if let original = Self.bytes(of: mutation.placement) {
                                #expect(StoreFixtures.bytes(layout.root + "/" + name) == original, "not byte-identical: \(context)")
                            }
                            // The entry itself moved: a symlink stays a symlink (its target untouched), a directory a directory.
                            #expect(after[name]?.split(separator: " ").first == Self.snapshot(of: mutation.placement).map { Substring($0) } ?? after[name]?.split(separator: " ").first, "\(context)")
                            expected[name] = after[name]
                        }
                        if let quarantined = error.quarantinedTo {
                            #expect(quarantined.hasPrefix(layout.corrupt + "/"), "\(context)")
                        }
                    case .io, .notFound:
                        // A directory or symlink is never left in place (it is set aside as corrupt).
                        #expect(!["directory", "symlink"].contains(mutation.kind), "\(error) — \(context)")
                        // Unreadable otherwise (permissions, an I/O error): left in place, nothing moved.
                        #expect(Self.exists(path), "\(context)")
                        expected[relative] = after[relative]
                    default:
                        Issue.record("unexpected \(error) — \(context)")
                    }
                } else {
                    tally.add(mutation.kind, "decoded")
                    expected[relative] = after[relative]
                }
                #expect(after == expected, "the folder changed beyond the damaged file: \(context)")

                // The test's own cleanup of what stays in place and of what was set aside (checked above), so the
                // next round starts from the same small folder.
                if Self.exists(path) { try FileManager.default.removeItem(atPath: path) }
                for name in Set(after.keys).subtracting(before.keys) where name.hasPrefix("corrupt/") {
                    try FileManager.default.removeItem(atPath: layout.root + "/" + name)
                }
                #expect(try store.load("healthy-parked") == parked, "\(context)")
                #expect(try store.load("healthy-finished") == finished, "\(context)")
                #expect(try store.inbox(of: "healthy-parked").map(\.id) == ["reading-1"], "\(context)")
            }
            // The index the listings read follows the files through every damage and set-aside (and, once read, the
            // test's own removals behind its back).
            #expect(try Set(store.allOutlines().map(\.id)) == Set(store.instanceIDs()))
            #expect(try store.checkConsistency(repair: false) { _, _ in }.differences.map(\.kind).filter { $0.rawValue.hasPrefix("index") } == [])
        }
        tally.report("state files")
    }

    /// Numbers that decode as JSON but that the engine never writes, at the fields arithmetic runs on: each must
    /// be reported as corrupt (naming the field) and set aside, not trap a worker or `evflow list` later.
    @Test func implausibleCountsAndAmountsAreCorruptNotCrashes() async throws {
        let templates = try await Self.realStateFiles()
        try await StoreFixtures.withStore { store, layout in
            let mutator = try JSONMutator(text: Self.rename(templates.parked, from: Self.parkedID, to: "numbers"))
            let fields = mutator.paths.filter { path in
                let text = JSONMutator.describe(path)
                return text.hasPrefix("$.payment.") && ["reserved", "authorized", "captured", "cancelled", "refunded"].contains { text.hasSuffix(".\($0)") }
                    || text.hasPrefix("$.steps[") && (text.hasSuffix(".attempts") || text.hasSuffix(".visit"))
            }
            #expect(fields.count >= 7, "\(fields.map(JSONMutator.describe))")
            var cases = 0
            for path in fields {
                for value in ["-9223372036854775808", "-1", "9223372036854775807"] {
                    let isAmount = JSONMutator.describe(path).hasPrefix("$.payment.")
                    // Int64.max is a possible amount (it only has to be >= 0); it is not a possible count.
                    if isAmount && value == "9223372036854775807" { continue }
                    let bytes = Array(mutator.text(replacing: path, with: value).utf8)
                    try StoreFixtures.write(bytes, to: layout.instanceFile("numbers"))
                    let error = expectStoreError(.corrupt) { try store.load("numbers") }
                    #expect(error?.detail.contains(JSONMutator.describe(path)) == true, "\(String(describing: error))")
                    #expect(error?.quarantinedTo.flatMap(StoreFixtures.bytes) == bytes)
                    cases += 1
                }
            }
            // Amounts that do not add up still give a summary: nothing held, no trap.
            var text = mutator.text
            for (field, value) in [("authorized", "0"), ("captured", "9223372036854775807"), ("cancelled", "9223372036854775807")] {
                let path = try #require(fields.first { JSONMutator.describe($0) == "$.payment.\(field)" })
                text = try JSONMutator(text: text).text(replacing: path, with: value)
            }
            try StoreFixtures.write(Array(text.utf8), to: layout.instanceFile("numbers"))
            let instance = try store.load("numbers")
            #expect(InstanceSummary(instance, stuck: nil).held == 0)
            print("fuzz state files: \(cases) implausible counts and amounts, each set aside as corrupt")
        }
    }

    @Test func truncatedSignalAtEveryOffsetIsSetAside() async throws {
        let templates = try await Self.realStateFiles()
        let bytes = Array(templates.signal.utf8)
        try await StoreFixtures.withStore { store, layout in
            try StoreFixtures.write(Array(Self.rename(templates.parked, from: Self.parkedID, to: "parked").utf8), to: layout.instanceFile("parked"))
            _ = store.makeDirectoryIfNeeded(layout.inboxDirectory("parked"))
            for offset in 0..<bytes.count {
                let path = layout.signalFile("cut-\(offset)", of: "parked")
                try StoreFixtures.write(Array(bytes[..<offset]), to: path)
                let error = expectStoreError(.corrupt) { try store.inbox(of: "parked") }
                let moved = try #require(error?.quarantinedTo, "offset \(offset)")
                #expect(StoreFixtures.bytes(moved) == Array(bytes[..<offset]), "offset \(offset)")
                #expect(error?.description.contains(path) == true)
                #expect(!Self.exists(path))
            }
            #expect(StoreFixtures.entries(layout.corrupt).count == bytes.count)
            #expect(try store.inbox(of: "parked").isEmpty)
            print("fuzz state files: signal file truncated at all \(bytes.count) offsets, each set aside byte for byte")
        }
    }

    // MARK: - Runner and the operator's listing

    /// Damaged files that do not decode, for a folder a runner will work on.
    static func undecodable(_ count: Int, from valid: (String) -> String, using random: inout FuzzRandom) throws -> [(id: String, mutation: StateFileMutation)] {
        var result: [(String, StateFileMutation)] = []
        var attempt = 0
        while result.count < count {
            let id = "fuzz-\(attempt)"
            let kinds = ["truncated", "wrong type", "huge value", "deep nesting", "random bytes", "empty"]
            let mutation = try StateFileMutation.make(kinds[attempt % kinds.count], from: valid(id), using: &random)
            attempt += 1
            guard let bytes = Self.bytes(of: mutation.placement),
                  (try? StateFileCoding.decoder().decode(FlowInstance.self, from: Data(bytes))) == nil else { continue }
            result.append((id, mutation))
        }
        return result
    }

    @Test func healthySessionsFinishBesideCorruptOnes() async throws {
        let outside = try FuzzRandom.temporaryFolder("state-runner")
        defer { try? FileManager.default.removeItem(at: outside) }
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await Self.startCharging(bed, id: "healthy-1")
            try await Self.startCharging(bed, id: "finished-1")
            try await bed.signal("finished-1", "sessionEnded", ["energyWh": .integer(1_000)], signalID: "end")
            let layout = StateLayout(root: bed.stateDirectory.standardizedFileURL.path)
            let finishedBytes = StoreFixtures.bytes(layout.instanceFile("finished-1"))
            let valid = try String(contentsOfFile: layout.instanceFile("healthy-1"), encoding: .utf8)

            var random = FuzzRandom(seed: FuzzRandom.seed &+ 20)
            let damaged = try Self.undecodable(max(12, FuzzRandom.iterations / 4), from: { Self.rename(valid, from: "healthy-1", to: $0) }, using: &random)
            for (id, mutation) in damaged {
                try Self.place(mutation.placement, at: layout.instanceFile(id), outside: outside)
            }
            try Self.place(.directory, at: layout.instanceFile("fuzz-directory"), outside: outside)
            try Self.place(.danglingSymlink, at: layout.instanceFile("fuzz-dangling"), outside: outside)
            // A damaged signal waits in the healthy session's inbox, next to a good one.
            #expect(try bed.runner.signal(instanceID: "healthy-1", name: "meterReading", data: ["energyWh": .integer(5_000)], signalID: "r1"))
            let badSignal = Array(#"{"id": "r2", "name": "meterReading", "data": {"energyWh": {"type": "integer", "value": "#.utf8)
            try StoreFixtures.write(badSignal, to: layout.signalFile("r2", of: "healthy-1"))

            // `evflow list --json`, the built binary, on a copy of the folder.
            let copy = outside.appending(path: "copy")
            try FileManager.default.copyItem(atPath: layout.root, toPath: copy.path)
            let list = try await BuiltProduct.evflow.run(["list", "--json", "--state-dir", copy.path, "--flows-dir", Self.flows.path])
            #expect(list.status == 0, "\(list.stderr)")
            struct Row: Decodable {
                var id: String
                var status: String
            }
            let rows = try JSONDecoder().decode([Row].self, from: Data(list.stdout.utf8))
            let listed = Set(rows.map(\.id))
            #expect(listed.isSuperset(of: ["healthy-1", "finished-1"]))
            var listedAsCorrupt = 0
            for (id, mutation) in damaged {
                let moved = StoreFixtures.entries(copy.path + "/corrupt").filter { $0.hasPrefix("\(id)-") }
                if list.stderr.contains("warning: \(id): instance \(id) (\(copy.path)/instances/\(id).json)") {
                    listedAsCorrupt += 1
                    #expect(moved.count == 1 && StoreFixtures.bytes(copy.path + "/corrupt/" + moved[0]) == Self.bytes(of: mutation.placement), "\(id): \(mutation)")
                } else {
                    // A listing may read only what it shows; damage elsewhere is found when the instance runs. The
                    // file must then be listed and left exactly as it was.
                    #expect(listed.contains(id) && moved.isEmpty, "\(id) neither reported nor listed: \(mutation)")
                    #expect(StoreFixtures.bytes(copy.path + "/instances/\(id).json") == Self.bytes(of: mutation.placement), "\(id): \(mutation)")
                }
            }
            // Plus the directory and the dangling symlink, which are set aside too.
            #expect(rows.filter { $0.status == "corrupt" }.count == listedAsCorrupt + 2, "\(list.stdout)")
            #expect(list.stderr.contains("warning: fuzz-directory:") && list.stderr.contains("a directory"), "\(list.stderr)")
            #expect(list.stderr.contains("warning: fuzz-dangling:") && list.stderr.contains("a symbolic link"), "\(list.stderr)")

            // A worker starting on the folder: recovery, then running what is due.
            // Recovery reads outlines (status, timer): a file damaged only elsewhere counts as unfinished or finished
            // by what its outline says, and is found (and set aside) when it runs; one whose outline says finished
            // never runs, and must then be left exactly as it was.
            #expect(try bed.runner.recover() >= 1, "healthy-1 is unfinished")
            await bed.runUntilIdle()
            let problems = bed.runner.unrunnable
            for (id, mutation) in damaged {
                guard let problem = problems[id] else {
                    #expect(StoreFixtures.bytes(layout.instanceFile(id)) == Self.bytes(of: mutation.placement), "\(id) neither reported nor left as it was: \(mutation)")
                    #expect(StoreFixtures.entries(layout.corrupt).filter { $0.hasPrefix("\(id)-") }.isEmpty)
                    continue
                }
                #expect(problem.contains(layout.instanceFile(id)) && problem.contains("corrupt"), "\(problem)")
                let moved = StoreFixtures.entries(layout.corrupt).filter { $0.hasPrefix("\(id)-") }
                #expect(moved.count == 1, "\(id): \(moved)")
                if let name = moved.first {
                    #expect(StoreFixtures.bytes(layout.corrupt + "/" + name) == Self.bytes(of: mutation.placement), "\(id) not byte-identical: \(mutation)")
                }
                #expect(!Self.exists(layout.instanceFile(id)))
            }
            #expect(problems["fuzz-directory"]?.contains(layout.instanceFile("fuzz-directory")) == true, "\(problems)")
            #expect(!Self.exists(layout.instanceFile("fuzz-directory")), "a directory in place of a file is set aside, not reported on every pass")
            #expect(StoreFixtures.entries(layout.corrupt).contains { $0.hasPrefix("fuzz-directory-") })
            let inboxMoved = StoreFixtures.entries(layout.corrupt).filter { $0.hasPrefix("healthy-1-inbox-") }
            #expect(inboxMoved.count == 1 && StoreFixtures.bytes(layout.corrupt + "/" + inboxMoved[0]) == badSignal)

            // The healthy session still finishes, with the right money: 12 kWh at 3.99 NOK = 47.88 NOK.
            try await bed.signal("healthy-1", "sessionEnded", ["energyWh": .integer(12_000)], signalID: "end")
            let instance = try bed.instance("healthy-1")
            #expect(instance.status == .succeeded, "\(instance.history.map { "\($0.event) \($0.detail ?? "")" })")
            let payment = try #require(bed.ledger.payment(reference: try bed.reference(of: "healthy-1")))
            #expect(payment.aggregate.captured == 4_788)
            #expect(payment.aggregate.cancelled == 45_212)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(StoreFixtures.bytes(layout.instanceFile("finished-1")) == finishedBytes, "a finished neighbour is untouched")
            // Only the damaged signal was set aside: the instance stays runnable.
            #expect(bed.runner.unrunnable["healthy-1"] == nil, "\(bed.runner.unrunnable["healthy-1"] ?? "")")
            print("fuzz state files with a runner: `evflow list` reported \(listedAsCorrupt) of \(damaged.count) undecodable instance files (\(Dictionary(grouping: damaged, by: \.mutation.kind).mapValues(\.count))), a directory, a dangling symlink, a damaged signal; healthy session captured 47.88 NOK")
        }
    }
}

extension FileInstanceStore {
    /// Creates an inbox directory the way delivery does, for tests that write signal files by hand.
    func makeDirectoryIfNeeded(_ directory: String) -> Bool {
        (try? makeDirectory(directory, instanceID: nil)) ?? false
    }
}
