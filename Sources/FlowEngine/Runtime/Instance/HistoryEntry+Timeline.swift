import Foundation

extension HistoryEntry {
    /// The line `evflow show` prints for this entry: time, event, step and detail; a folded line (see
    /// ``HistoryFolding``) starts at its first occurrence and says how many it stands for and when the last,
    /// whose detail it shows, happened:
    ///
    /// ```
    /// 2026-11-27 13:30:00Z  received    [meter] signal meterReading r-3
    /// 2026-11-27 13:40:00Z  received    [meter] signal meterReading r-59  (56 times, the last at 2026-11-27 22:50:00Z)
    /// ```
    package var timelineText: String {
        var line = "\(InstanceSummary.time(startedAt))  \(event.padding(toLength: 10, withPad: " ", startingAt: 0))  \(step.map { "[\($0)] " } ?? "")\(detail ?? "")"
        if occurrences > 1 { line += "  (\(occurrences) times, the last at \(InstanceSummary.time(at)))" }
        return line
    }
}
