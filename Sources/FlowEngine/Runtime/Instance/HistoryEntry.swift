import Foundation

/// One line of an instance's append-only timeline, as `evflow show` prints it.
///
/// A line may stand for several occurrences of the same thing in a row (a meter reading every minute, a retry
/// every few seconds while the provider is down): after ``HistoryFolding/verbatimOccurrences`` occurrences are
/// kept as they were, later ones are folded into one line that counts them (``count``), remembers when the first
/// of them happened (``firstAt``) and shows the last one (``at``, ``detail``). That keeps a 10-hour session's
/// state file from growing, and re-encoding, with every reading; see ``HistoryFolding`` for what folds.
///
/// In the state file both fields are optional and written only on folded lines, so files written before
/// folding existed load unchanged, and readers that do not know them still see a valid line: the last one.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// When it happened (on the engine's clock); on a folded line, when the last occurrence happened.
    public var at: Date
    /// The step it concerns, if any.
    public var step: String?
    /// What happened, as a short machine-readable word: `started`, `entered`, `intent`, `called`, `succeeded`,
    /// `failed`, `retry`, `signal`, `timer`, `deadline`, `notified`, `finished`, `recovered`, `operator`, `meter`
    /// (an OCPP meter value taken in: the reading and its rounding, a regression, a `seqNo` gap).
    public var event: String
    /// Details in words, never containing a secret or a phone number; on a folded line, the last occurrence's.
    public var detail: String?
    /// How many occurrences a folded line stands for (2 or more); `nil` on a line that stands for one.
    public var count: Int?
    /// When the first occurrence a folded line stands for happened; `nil` on a line that stands for one.
    public var firstAt: Date?

    public init(at: Date, step: String?, event: String, detail: String? = nil) {
        self.at = at
        self.step = step
        self.event = event
        self.detail = detail
    }

    /// How many occurrences the line stands for: 1 unless folded.
    public var occurrences: Int { count ?? 1 }

    /// When the (first) occurrence happened: where the line sits in the timeline.
    public var startedAt: Date { firstAt ?? at }

    private enum CodingKeys: String, CodingKey { case at, step, event, detail, count, firstAt }

    /// Decodes a line, refusing counts the engine never writes: a hand-edited `"count": 9223372036854775807`
    /// would otherwise trap the worker at the next fold (the store then sets the file aside, naming the field).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        at = try container.decode(Date.self, forKey: .at)
        step = try container.decodeIfPresent(String.self, forKey: .step)
        event = try container.decode(String.self, forKey: .event)
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
        count = try container.decodeIfPresent(Int.self, forKey: .count)
        firstAt = try container.decodeIfPresent(Date.self, forKey: .firstAt)
        if let count, !(1...HistoryFolding.maximumCount).contains(count) {
            throw DecodingError.dataCorruptedError(forKey: .count, in: container,
                                                   debugDescription: "\(count) is not a count the engine writes (1...\(HistoryFolding.maximumCount))")
        }
    }
}
