import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How commands write: results to stdout (tables, or JSON for scripts), progress and warnings to stderr.
enum Output {
    /// Pretty, key-sorted JSON with ISO 8601 dates, followed by a newline.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Writes a line to stdout at once (unbuffered), for a worker whose output is piped to a log.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes a line to stderr.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether stderr is a terminal: progress is shown only there.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Rewrites one progress line on stderr (`resume 3/10 session-4711`) when it is a terminal.
    static func progress(_ label: String, _ done: Int, of total: Int, _ item: String) {
        guard stderrIsTerminal else { return }
        let text = "\r\u{1B}[2K\(label) \(done)/\(total) \(item)"
        FileHandle.standardError.write(Data(text.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `2026-11-27 14:32:05Z`, the way tables and timelines show times.
    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date).replacingOccurrences(of: "T", with: " ")
    }
}
