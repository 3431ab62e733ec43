import Foundation

/// The JSON form of state files: sorted keys and indentation so operators can read and diff them, and dates as
/// ISO 8601 UTC text (`2026-11-27T13:44:41.123Z`) that decode to exactly the `Date` that was encoded.
///
/// Exactness matters: a runner compares a reloaded `wakeAt` with its clock and reloaded instances with in-memory
/// ones, so a date is written with as many fractional digits as it takes to get the same `Double` back: three
/// for whole milliseconds (`.125`), about seven for a `Date()` (`.1234567`).
package enum StateFileCoding {
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(string(from: date))
        }
        return encoder
    }

    /// The same JSON without sorting or indentation: for a store that keeps the document as `jsonb`, which
    /// drops both (it orders keys its own way), so sorting every object's keys is CPU spent for nothing.
    package static func compactEncoder() -> JSONEncoder {
        let encoder = encoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad date \"\(text)\": expected ISO 8601 UTC such as 2026-11-27T13:44:41.123Z")
            }
            return date
        }
        return decoder
    }

    /// `Date`'s reference date (2001-01-01) in Unix seconds.
    private static let referenceEpoch: Int64 = 978_307_200

    /// The shortest text with at least millisecond digits that parses back to exactly `date`.
    package static func string(from date: Date) -> String {
        let reference = date.timeIntervalSinceReferenceDate
        if let text = shortestString(from: reference) { return text }
        var text = ""
        for digits in 3...17 {
            text = string(from: reference, digits: digits)
            if self.date(from: text)?.timeIntervalSinceReferenceDate == reference { break }
        }
        return text
    }

    /// The fast path of ``string(from:)`` for dates after 2001: Swift prints a `Double` with the fewest digits
    /// that read back to it, so its fraction is the one we want (padded to milliseconds), found without the
    /// format-and-parse loop that was a tenth of a flow test's CPU time. Checked by parsing it back once;
    /// `nil` (use the loop) for the forms it does not handle.
    private static func shortestString(from reference: Double) -> String? {
        guard reference >= 1, reference < 1e15 else { return nil }
        let printed = reference.description
        // A byte search for the exponent: `String.contains("e")` went through NSString, 2% of a flow test.
        guard let dot = printed.firstIndex(of: "."), !printed.utf8.contains(UInt8(ascii: "e")), let whole = Double(printed[..<dot]) else { return nil }
        var fraction = String(printed[printed.index(after: dot)...])
        guard fraction.count <= 17 else { return nil }
        if fraction.count < 3 { fraction += String(repeating: "0", count: 3 - fraction.count) }
        let text = string(whole: whole, fraction: fraction)
        return date(from: text)?.timeIntervalSinceReferenceDate == reference ? text : nil
    }

    private static func string(from reference: Double, digits: Int) -> String {
        var whole = reference.rounded(.down)
        var fraction = String(format: "%.\(digits)f", reference - whole)
        if fraction.hasPrefix("1") {
            whole += 1
            fraction = "0." + String(repeating: "0", count: digits)
        }
        return string(whole: whole, fraction: String(fraction.dropFirst(2)))
    }

    /// `whole` seconds since 2001 and the fraction's digits as ISO 8601 UTC text.
    private static func string(whole: Double, fraction: String) -> String {
        let unix = Int64(whole) + referenceEpoch
        let days = unix >= 0 ? unix / 86_400 : (unix - 86_399) / 86_400
        let secondOfDay = unix - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2)).\(fraction)Z"
    }

    /// Parses what ``string(from:)`` writes; other ISO 8601 forms (offsets, no fraction) are accepted for
    /// hand-edited files.
    package static func date(from text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[index] - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return try? Date(text, strategy: .iso8601) }
        var digits = ""
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 21, number(20..<(bytes.count - 1)) != nil else { return nil }
            digits = String(decoding: bytes[20..<(bytes.count - 1)], as: UTF8.self)
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        let unix = days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        let whole = unix - referenceEpoch
        // Parsing the decimal text as a whole rounds once, to the nearest Double: the one that was written.
        guard digits.count <= 18, let fraction = UInt64(digits.isEmpty ? "0" : digits) else { return nil }
        let exact: Double?
        if whole >= 0 || fraction == 0 {
            exact = Double("\(whole).\(digits.isEmpty ? "0" : digits)")
        } else {
            // -5 + 0.25 is written as -4.75: the complement of the fraction, from one second less.
            var scale: UInt64 = 1
            for _ in 0..<digits.count { scale *= 10 }
            let complement = String(scale - fraction)
            exact = Double("-\(-whole - 1).\(String(repeating: "0", count: digits.count - complement.count))\(complement)")
        }
        return exact.map { Date(timeIntervalSinceReferenceDate: $0) }
    }

    /// ``date(from:)`` over UTF-8 bytes, without building strings for the form ``string(from:)`` writes
    /// (`2026-11-27T13:44:41.1234567Z`, after 2001): what the outline index's reader calls five times a record.
    /// Every other form goes through ``date(from:)``, so both always agree.
    static func date(fromUTF8 bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        func digit(_ index: Int) -> UInt64? {
            let byte = bytes[index]
            return byte >= 48 && byte <= 57 ? UInt64(byte - 48) : nil
        }
        func number(_ range: Range<Int>) -> UInt64? {
            var value: UInt64 = 0
            for index in range {
                guard let digit = digit(index) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        let count = bytes.count
        // The fraction's digits, at most 15 so that the scaled value below stays an exact integer.
        guard count >= 22, count <= 36, bytes[count - 1] == UInt8(ascii: "Z"), bytes[19] == UInt8(ascii: "."),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61,
              let fraction = number(20..<(count - 1))
        else { return date(from: String(decoding: bytes, as: UTF8.self)) }
        let unix = days(fromCivil: Int64(year), Int64(month), Int64(day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let whole = unix - referenceEpoch
        var scale: UInt64 = 1
        for _ in 0..<(count - 21) { scale *= 10 }
        // `whole.fraction` as one integer over a power of ten: when both are exact Doubles (below 2^53, and 10^15 at
        // most), their quotient is the correctly rounded value of the decimal text, which is what parsing it gives.
        let (scaled, overflow) = UInt64(max(whole, 0)).multipliedReportingOverflow(by: scale)
        let (exact, overflowAgain) = scaled.addingReportingOverflow(fraction)
        guard whole >= 0, !overflow, !overflowAgain, exact <= 1 << 53 else {
            return date(from: String(decoding: bytes, as: UTF8.self))
        }
        return Date(timeIntervalSinceReferenceDate: Double(exact) / Double(scale))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); also what
    /// ``StationTimestamp`` reads OCPP times with.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``days(fromCivil:_:_:)``: year, month, day.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `value` with leading zeros to `width` digits (`pad(7, 2)` is `07`).
    static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// What was wrong with a file that did not decode, with the JSON path: `$.steps[2].attempts: expected Int...`.
    package static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context, appending key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return "$" + keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(path(context)): missing \(type) value: \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context, appending: key)): required field is missing"
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return "\(path(context)): \(context.debugDescription)\(underlying)"
        @unknown default:
            return String(describing: error)
        }
    }
}
