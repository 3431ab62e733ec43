import Foundation

/// A forward-only reader over the bytes of one JSON value, for the hand-written decoder of the outline index's
/// records (``OutlineRecord/read(_:_:using:)``).
///
/// Why: decoding 100,000 index lines with `JSONDecoder` was two thirds of `evflow list`'s CPU, spent mostly in
/// its generic keyed containers, not in reading bytes. This reader reads only the shapes those records are made
/// of: objects, strings without escapes, integers, ISO 8601 dates as ``StateFileCoding`` writes them, and `null`.
/// Anything else is ``Rejected``, and the caller decodes the line with `JSONDecoder` instead, which accepts
/// everything it accepted before and names what is wrong. So this reader never has to be right about a shape
/// it does not expect: it only has to refuse it.
struct JSONByteReader {
    /// The bytes are not in a form this reader takes; the caller falls back to `JSONDecoder`.
    struct Rejected: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        self.bytes = bytes
        index = range.lowerBound
        end = range.upperBound
    }

    private var current: UInt8? { index < end ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < end, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Rejected) {
        skipWhitespace()
        guard current == byte else { throw Rejected() }
        index += 1
    }

    /// Checks that nothing but whitespace follows the value read.
    func finish() throws(Rejected) {
        var copy = self
        copy.skipWhitespace()
        guard copy.index == end else { throw Rejected() }
    }

    /// Reads an object, calling `member` with each key; `member` reads (or skips) that key's value.
    /// A repeated key is rejected: `JSONDecoder` keeps the first value, and no writer of these records repeats one.
    mutating func object(_ member: (inout JSONByteReader, String) throws(Rejected) -> Void) throws(Rejected) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return }
        // The keys' byte ranges, on the stack: a list allocated per object, and then an inline array of strings
        // to compare and release, were each a visible share of reading 100,000 lines. No record has more members
        // than this; one that does is left to `JSONDecoder`.
        var keys = InlineArray<24, Range<Int>>(repeating: 0..<0)
        var count = 0
        // The index's writer sorts keys, so each key is normally above the one before and cannot repeat any:
        // one comparison per key. Only an object out of that order is searched for a repeat.
        var ascending = true
        while true {
            skipWhitespace()
            // Every key these records have is ASCII, where equal bytes and equal strings are the same thing (a
            // non-ASCII key could equal another only under Unicode equivalence): anything else is `JSONDecoder`'s.
            let (range, ascii) = try stringBytes()
            guard ascii, count < 24 else { throw Rejected() }
            if ascending, count > 0, !Self.precedes(keys[count - 1], range, in: bytes) { ascending = false }
            if !ascending {
                for earlier in 0..<count where Self.equal(keys[earlier], range, in: bytes) { throw Rejected() }
            }
            keys[count] = range
            count += 1
            let key = try Self.text(range, ascii: true, in: bytes)
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    /// `true` (and the `null` consumed) when the next value is `null`: `JSONDecoder` reads a `null` optional as absent.
    mutating func null() -> Bool {
        skipWhitespace()
        guard index + 4 <= end, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l") else { return false }
        index += 4
        return true
    }

    /// A string with no escapes and no control characters, as valid UTF-8.
    mutating func string() throws(Rejected) -> String {
        let (range, ascii) = try stringBytes()
        return try Self.text(range, ascii: ascii, in: bytes)
    }

    private static func text(_ range: Range<Int>, ascii: Bool, in bytes: UnsafeBufferPointer<UInt8>) throws(Rejected) -> String {
        let text = UnsafeBufferPointer(rebasing: bytes[range])
        // ASCII needs no validation (that generic check was an eighth of reading the index).
        if ascii { return String(decoding: text, as: UTF8.self) }
        guard let validated = String(validating: text, as: UTF8.self) else { throw Rejected() }
        return validated
    }

    /// Whether the bytes at `a` sort strictly before those at `b` (byte order, as the writer's sorted keys).
    private static func precedes(_ a: Range<Int>, _ b: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(a.count, b.count)
        let order = common == 0 ? 0 : memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, common)
        return order < 0 || (order == 0 && a.count < b.count)
    }

    private static func equal(_ a: Range<Int>, _ b: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, a.count) == 0)
    }

    /// The bytes between a string's quotes, and whether they are all ASCII.
    private mutating func stringBytes() throws(Rejected) -> (Range<Int>, ascii: Bool) {
        try expect(UInt8(ascii: "\""))
        let start = index
        var high: UInt8 = 0
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<(index - 1), high < 0x80)
            }
            // An escape is rare in these records (an error message quoting the provider): `JSONDecoder` reads it.
            guard byte != UInt8(ascii: "\\"), byte >= 0x20 else { throw Rejected() }
            high |= byte
            index += 1
        }
        throw Rejected()
    }

    /// An array of strings.
    mutating func strings() throws(Rejected) -> [String] {
        try expect(UInt8(ascii: "["))
        var values: [String] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return values }
        while true {
            values.append(try string())
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"))
            return values
        }
    }

    /// A whole number written as digits (an optional `-`, no fraction or exponent), within `Int64`.
    mutating func integer() throws(Rejected) -> Int64 {
        skipWhitespace()
        let negative = current == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var magnitude: UInt64 = 0
        while index < end, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowAgain) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            guard !overflow, !overflowAgain else { throw Rejected() }
            magnitude = sum
            index += 1
        }
        // No digits, a leading zero, or a fraction or exponent (which `JSONDecoder` may still accept as whole).
        guard index > start, index - start == 1 || bytes[start] != UInt8(ascii: "0") else { throw Rejected() }
        if let next = current, next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") { throw Rejected() }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw Rejected() }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw Rejected() }
        return Int64(magnitude)
    }

    /// A whole number that fits `Int` and lies in `range`, as the state file's decoders check counts and versions.
    mutating func integer(in range: ClosedRange<Int>) throws(Rejected) -> Int {
        let value = try integer()
        guard let exact = Int(exactly: value), range.contains(exact) else { throw Rejected() }
        return exact
    }

    /// A date as ``StateFileCoding/string(from:)`` writes it.
    mutating func date() throws(Rejected) -> Date {
        // Non-ASCII is never a date here, and `JSONDecoder` would first refuse it if it is not UTF-8.
        let (range, ascii) = try stringBytes()
        guard ascii, let date = StateFileCoding.date(fromUTF8: UnsafeBufferPointer(rebasing: bytes[range])) else { throw Rejected() }
        return date
    }

    /// Nesting allowed inside ``containerBytes()``: the nested types are a level or two deep, and decoded alone a
    /// deeper value could pass `JSONDecoder`'s depth limit that the whole line would exceed.
    static let maximumContainerDepth = 16

    /// Skips one object or array and returns its bytes, for a nested type left to `JSONDecoder`.
    mutating func containerBytes() throws(Rejected) -> UnsafeBufferPointer<UInt8> {
        skipWhitespace()
        let start = index
        guard current == UInt8(ascii: "{") || current == UInt8(ascii: "[") else { throw Rejected() }
        var depth = 0
        repeat {
            guard let byte = current else { throw Rejected() }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                // A string, escapes included: only where it ends matters here.
                while true {
                    guard let inner = current else { throw Rejected() }
                    index += inner == UInt8(ascii: "\\") ? 2 : 1
                    if inner == UInt8(ascii: "\"") { break }
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                guard depth <= Self.maximumContainerDepth else { throw Rejected() }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        } while depth > 0
        guard index <= end else { throw Rejected() }
        return UnsafeBufferPointer(rebasing: bytes[start..<index])
    }
}
