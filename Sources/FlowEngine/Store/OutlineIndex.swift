import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The outline index of a ``FileInstanceStore``: one log file, `<state>/index/outlines.log`, of the outline of
/// every instance, so `evflow list`, the stuck diagnosis and a worker's start-up read one file instead of decoding
/// every instance file.
///
/// The format (text, one entry a line, the last line for an id wins):
///
/// ```
/// evflow-outline-index 1 boot=<boot id> instances=<device>.<inode> lines=<n>    the header
/// P<TAB><id> <unix seconds>   a save of <id> began then: read its file, not the index
/// R<TAB><compact JSON>        an OutlineRecord: the outline and the stamp of the file it came from
/// X<TAB><id>                  <id> was set aside; it is no longer an instance
/// ```
///
/// Every save appends `P` before it writes the instance file and `R` after, without fsync. A process killed
/// between the two leaves a `P`, so readers (and the next compaction) read that one file: nothing is lost. A
/// machine crash may lose un-synced lines; the header's boot id then differs from the running kernel's, and the
/// next reader checks every entry against its file's stamp (`stat`, no decoding) and re-reads the changed ones.
/// A missing, damaged or other-version log is rebuilt from the files. The files stay the truth throughout.
///
/// Appends hold `outlines.lock` shared, so several processes (`serve` and a CLI `resume`) append at once;
/// a compaction (rewriting the log as one `R` line per instance) holds it exclusively and replaces the log by
/// a rename, so a reader always sees a whole log.
struct OutlineIndex: Sendable {
    /// Bumped whenever the format or ``OutlineRecord`` changes; a log of another version is rebuilt.
    static let version = 1
    static let magic = "evflow-outline-index"
    static let noIndexYet = "there is no index yet (a state folder from before the index, or the index was deleted)"

    let directory: String
    /// The running kernel's boot id: a log written under another boot may have lost un-synced lines.
    let bootID: String
    var logPath: String { directory + "/outlines.log" }
    var lockPath: String { directory + "/outlines.lock" }

    init(directory: String, bootID: String = OutlineIndex.currentBootID()) {
        self.directory = directory
        self.bootID = bootID
    }

    /// What a log line says about one instance.
    /// Indirect: a record is large, and a log of 100,000 lines moves its entries through arrays and a dictionary.
    indirect enum Entry: Sendable, Equatable {
        case record(OutlineRecord)
        /// A save began at this Unix time and has not recorded its outline (yet, or it died).
        case pending(since: Int64)
        case removed
    }

    struct Header: Sendable, Equatable {
        var version: Int
        var bootID: String
        var instancesDirectory: String
        /// How many lines the compaction wrote after the header: a log with fewer was cut short.
        var lines: Int

        var line: String { "\(OutlineIndex.magic) \(version) boot=\(bootID) instances=\(instancesDirectory) lines=\(lines)\n" }

        init(version: Int = OutlineIndex.version, bootID: String, instancesDirectory: String, lines: Int) {
            self.version = version
            self.bootID = bootID
            self.instancesDirectory = instancesDirectory
            self.lines = lines
        }

        init?(_ text: Substring) {
            let words = text.split(separator: " ")
            guard words.count >= 2, words[0] == OutlineIndex.magic, let version = Int(words[1]) else { return nil }
            self.version = version
            guard words.count == 5, words[2].hasPrefix("boot="), words[3].hasPrefix("instances="), words[4].hasPrefix("lines="),
                  let lines = Int(words[4].dropFirst(6)) else {
                // Another version's header is still recognised as one, to say so.
                bootID = ""
                instancesDirectory = ""
                self.lines = 0
                return
            }
            bootID = String(words[2].dropFirst(5))
            instancesDirectory = String(words[3].dropFirst(10))
            self.lines = lines
        }
    }

    /// A log as read: the last entry per id, and how many lines it took.
    struct Contents: Sendable {
        var header: Header
        var entries: [String: Entry]
        var lines: Int
    }

    enum Reading: Sendable {
        case read(Contents)
        /// Why the log cannot be used: missing, damaged, another version.
        case unusable(String)
    }

    // MARK: Reading

    /// Reads and parses the whole log. A last line without its newline is an append still being written and is
    /// left out (its `P`, written before, stands for it).
    func read() -> Reading {
        guard let data = FileManager.default.contents(atPath: logPath) else {
            return .unusable(FileManager.default.fileExists(atPath: logPath) ? "the index file cannot be read" : Self.noIndexYet)
        }
        // Parsed in place: at a million instances the log is most of a gigabyte, and a copy would double the peak.
        return data.withUnsafeBytes { raw in Self.parse(raw.bindMemory(to: UInt8.self)) }
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Reading {
        var lines: [Range<Int>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0A {
            lines.append(start..<index)
            start = index + 1
        }
        guard let first = lines.first else { return .unusable("the index file is empty or has no header") }
        guard let header = Header(String(decoding: UnsafeBufferPointer(rebasing: bytes[first]), as: UTF8.self)[...]) else {
            return .unusable("the index file does not start with an evflow index header (damaged or not an index)")
        }
        guard header.version == version else {
            return .unusable("the index was written by index format \(header.version), this evflow reads format \(version)")
        }
        let body = Array(lines.dropFirst())
        guard body.count >= header.lines else {
            return .unusable("the index was cut short: \(body.count) of the \(header.lines) lines it was written with")
        }
        let parsed = decodeLines(body, of: bytes)
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(body.count)
        for (number, line) in parsed.enumerated() {
            guard let line else { return .unusable("line \(number + 2) of the index is damaged") }
            entries[line.0] = line.1
        }
        return .read(Contents(header: header, entries: entries, lines: body.count))
    }

    /// Decodes the lines on every core (the JSON of 100,000 records is most of the cost of reading the index).
    private static func decodeLines(_ lines: [Range<Int>], of bytes: UnsafeBufferPointer<UInt8>) -> [(String, Entry)?] {
        let chunks = lines.count > 2_048 ? min(64, lines.count / 1_024) : 1
        let results = Mutex<[[(String, Entry)?]]>(Array(repeating: [], count: chunks))
        let size = (lines.count + chunks - 1) / max(chunks, 1)
        nonisolated(unsafe) let unsafeBytes = bytes
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let decoder = StateFileCoding.decoder()
            let range = (chunk * size)..<min(lines.count, (chunk + 1) * size)
            let part = decodeChunk(unsafeBytes, lines[range], decoder)
            results.withLock { $0[chunk] = part }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    /// Decodes a run of lines: each `R` line by ``OutlineRecord/read(_:_:using:)``, and one it does not take (an escape
    /// in a string, a field from a newer evflow, damage) by `JSONDecoder`, which decides whether the line is damaged.
    private static func decodeChunk(_ bytes: UnsafeBufferPointer<UInt8>, _ lines: ArraySlice<Range<Int>>, _ decoder: JSONDecoder) -> [(String, Entry)?] {
        lines.map { line -> (String, Entry)? in
            if line.count > 2 && bytes[line.lowerBound] == UInt8(ascii: "R") && bytes[line.lowerBound + 1] == 0x09,
               let record = OutlineRecord.read(bytes, (line.lowerBound + 2)..<line.upperBound, using: decoder) {
                return (record.id, .record(record))
            }
            return decodeLine(bytes, line, decoder)
        }
    }

    private static func decodeLine(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, _ decoder: JSONDecoder) -> (String, Entry)? {
        guard line.count > 2, bytes[line.lowerBound + 1] == 0x09 else { return nil }
        let payload = (line.lowerBound + 2)..<line.upperBound
        switch bytes[line.lowerBound] {
        case UInt8(ascii: "R"):
            guard let record = try? decoder.decode(OutlineRecord.self, from: Data(UnsafeBufferPointer(rebasing: bytes[payload]))) else { return nil }
            return (record.id, .record(record))
        case UInt8(ascii: "P"):
            let words = String(decoding: UnsafeBufferPointer(rebasing: bytes[payload]), as: UTF8.self).split(separator: " ")
            guard words.count == 2, let since = Int64(words[1]), InstanceID.problem(with: String(words[0])) == nil else { return nil }
            return (String(words[0]), .pending(since: since))
        case UInt8(ascii: "X"):
            let id = String(decoding: UnsafeBufferPointer(rebasing: bytes[payload]), as: UTF8.self)
            guard InstanceID.problem(with: id) == nil else { return nil }
            return (id, .removed)
        default:
            return nil
        }
    }

    // MARK: Writing

    /// The bytes of one line.
    static func line(_ entry: Entry, id: String) -> [UInt8]? {
        switch entry {
        case .pending(let since): return Array("P\t\(id) \(since)\n".utf8)
        case .removed: return Array("X\t\(id)\n".utf8)
        case .record(let record):
            guard let json = try? compactEncoder().encode(record) else { return nil }
            return Array("R\t".utf8) + Array(json) + [0x0A]
        }
    }

    static func compactEncoder() -> JSONEncoder {
        let encoder = StateFileCoding.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Appends one line under the shared lock. Best effort by design: a line that cannot be written (no index yet,
    /// a full disk) leaves the index stale in a way the next reader notices (`P` without `R`) or rebuilds
    /// (missing log).
    /// - Parameter waiting: `false` skips the line when a compaction holds the lock (used while setting a file
    ///   aside, which a rebuild itself may do while it holds the lock).
    func append(_ entry: Entry, id: String, waiting: Bool = true) {
        guard let bytes = Self.line(entry, id: id) else { return }
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        guard flock(lock, LOCK_SH | (waiting ? 0 : LOCK_NB)) == 0 else { return }
        let log = open(logPath, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
        guard log >= 0 else { return }
        defer { close(log) }
        // One write per line: O_APPEND places it whole at the end, whoever else appends.
        _ = bytes.withUnsafeBytes { write(log, $0.baseAddress, $0.count) }
    }

    /// Runs `body` holding the index lock exclusively: no process appends meanwhile.
    /// - Returns: `nil` when the lock cannot be taken (the index directory is not writable).
    func exclusively<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T? {
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0 else { return nil }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { return nil }
        defer { _ = flock(lock, LOCK_UN) }
        return try body()
    }

    /// The bytes of a compacted log: the header, then one `R` line per record and a `P` line per id still pending.
    func snapshot(_ records: [OutlineRecord], pending: [String: Int64], instancesDirectory: String) -> [UInt8] {
        var body: [UInt8] = []
        var count = 0
        let encoder = Self.compactEncoder()
        for record in records.sorted(by: { $0.id < $1.id }) {
            guard let json = try? encoder.encode(record) else { continue }
            body += Array("R\t".utf8)
            body += json
            body.append(0x0A)
            count += 1
        }
        for (id, since) in pending.sorted(by: { $0.key < $1.key }) {
            body += Array("P\t\(id) \(since)\n".utf8)
            count += 1
        }
        return Array(Header(bootID: bootID, instancesDirectory: instancesDirectory, lines: count).line.utf8) + body
    }

    // MARK: Where it runs

    /// `/proc/sys/kernel/random/boot_id` on Linux; elsewhere a value that never matches, so every open checks
    /// the stamps (correct, just slower).
    static func currentBootID() -> String {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty, !id.contains(" ") { return id }
        }
        #endif
        return "unknown-\(getpid())-\(Int(Date().timeIntervalSince1970))"
    }

    /// The identity of the instances directory (`device.inode`): an index beside a restored or swapped
    /// `instances/` describes other files and is rebuilt.
    static func directoryIdentity(_ path: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return "none" }
        return "\(UInt64(status.st_dev)).\(UInt64(status.st_ino))"
    }
}
