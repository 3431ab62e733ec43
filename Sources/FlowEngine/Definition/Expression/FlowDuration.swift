/// A length of time in whole milliseconds, as written in definitions: `250ms`, `5s`, `10m`, `12h`, `1d`, `1h30m`.
///
/// Integer milliseconds keep durations exact and comparable; the runtime converts to `Duration` for its clock.
public struct FlowDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in milliseconds.
    public var milliseconds: Int64

    /// Creates a duration of `milliseconds`.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// Creates a duration of whole `seconds`.
    public static func seconds(_ seconds: Int64) -> FlowDuration { FlowDuration(milliseconds: seconds * 1000) }

    /// The same length as a Swift `Duration`, for clocks and sleeping.
    public var duration: Duration { .milliseconds(milliseconds) }

    public static func < (lhs: FlowDuration, rhs: FlowDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The shortest way to write this duration in a definition, for example `"1h30m"`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds.magnitude
        var text = milliseconds < 0 ? "-" : ""
        for (unit, size) in FlowDuration.units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        if rest > 0 { text += "\(rest)ms" }
        return text
    }

    static let units: [(String, UInt64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]

    /// The milliseconds per unit suffix accepted in definitions.
    static func unitSize(_ suffix: String) -> Int64? {
        switch suffix {
        case "ms": 1
        case "s": 1000
        case "m": 60_000
        case "h": 3_600_000
        case "d": 86_400_000
        default: nil
        }
    }

    /// Parses `"5s"`, `"1h30m"`, `"250ms"` (units in decreasing order, each at most once). Returns `nil` when the
    /// text is not a duration or overflows.
    public init?(parsing text: String) {
        var total: Int64 = 0
        var digits = ""
        var unit = ""
        var lastSize = Int64.max
        var scalars = Array(text.unicodeScalars)[...]
        guard !scalars.isEmpty else { return nil }
        while !scalars.isEmpty {
            digits = ""
            unit = ""
            while let first = scalars.first, ("0"..."9").contains(first) { digits.unicodeScalars.append(first); scalars = scalars.dropFirst() }
            while let first = scalars.first, ("a"..."z").contains(first) { unit.unicodeScalars.append(first); scalars = scalars.dropFirst() }
            guard !digits.isEmpty, let size = FlowDuration.unitSize(unit), size < lastSize, let count = Int64(digits) else {
                return nil
            }
            lastSize = size
            let (part, overflow1) = count.multipliedReportingOverflow(by: size)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            if overflow1 || overflow2 { return nil }
            total = sum
        }
        milliseconds = total
    }
}
