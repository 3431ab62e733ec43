/// How an instance's timeline stays bounded while the same few things keep happening: a meter reading every
/// minute for ten hours, a retry every few seconds while the provider is down.
///
/// Why: every save re-encodes the whole instance, so a timeline that grows with every reading made a 10-hour
/// session's saves grow with it (JSON was more than half of a flow test's CPU). Folding stops the
/// timeline growing after the fourth reading.
///
/// What folds: entries of the repetitive kinds (``foldableEvents``) that repeat a cycle of one to
/// ``longestCycle`` entries, such as `received` + `signal` for each reading, or `intent` + `retry` for each
/// failed attempt. Two entries are the same thing when their event, their step and their detail with every
/// number-bearing word masked are equal (``shape(of:)``): "signal meterReading r-12" repeats "signal
/// meterReading r-11", "signal sessionEnded end" does not. The first ``verbatimOccurrences`` occurrences of a cycle
/// stay as they were; from then on each member of the cycle is one line with a ``HistoryEntry/count``, the
/// ``HistoryEntry/firstAt`` of its first folded occurrence and the last occurrence's time and detail.
///
/// What never folds: anything about money or the flow's course (`entered`, `called`, `succeeded`, `failed`,
/// `confirmed`, `finished`, `operator`, ...), so every payment call's outcome keeps its own line. The money
/// itself never depends on the timeline: amounts, idempotency keys and the provider's confirmations live in the
/// step records, the payment intents and the ``MoneyLedger``, which are kept whole.
package enum HistoryFolding {
    /// Events that may fold: they repeat by nature and each occurrence says nothing the last one and a count do
    /// not (which readings arrived is in the signals themselves; every attempt's key is the step record's).
    package static let foldableEvents: Set<String> = ["received", "signal", "meter", "retry", "unconfirmed", "intent"]

    /// Occurrences of a cycle kept verbatim before later ones fold: short sessions and tests read as before.
    package static let verbatimOccurrences = 3

    /// The longest cycle recognised: a plain reading is 2 entries (`received`, `signal`), an OCPP one 3 (with
    /// `meter`).
    package static let longestCycle = 3

    /// The largest count a line holds; a later occurrence starts a new line (and decoding refuses more).
    package static let maximumCount = Int(Int32.max)

    /// Appends `entry` to `history`, folding it into an earlier line when it repeats the cycle the history ends
    /// with (see the type's description).
    package static func append(_ entry: HistoryEntry, to history: inout [HistoryEntry]) {
        if let target = foldTarget(for: entry, in: history) {
            history[target].firstAt = history[target].firstAt ?? history[target].at
            history[target].count = history[target].occurrences + 1
            history[target].at = entry.at
            history[target].detail = entry.detail
        } else {
            history.append(entry)
        }
    }

    /// The line `entry` folds into, if any.
    ///
    /// For each cycle length L, the last L lines are a cycle in progress when their counts read c+1, ..., c+1,
    /// c, ..., c (the first m members already took this round's occurrence): the next member, the first one
    /// with count c, is where `entry` goes if it is the same thing. A cycle not yet folded (every count 1) must
    /// be preceded by ``verbatimOccurrences`` identical cycles, which stay as they are: the one it ends with is
    /// the first occurrence its folded lines count.
    static func foldTarget(for entry: HistoryEntry, in history: [HistoryEntry]) -> Int? {
        guard foldableEvents.contains(entry.event) else { return nil }
        let shape = Shape(entry)
        for length in 1...longestCycle where history.count >= length {
            let block = history.indices.suffix(length)
            let low = history[block.last!].occurrences
            let counts = block.map { history[$0].occurrences }
            guard counts.allSatisfy({ $0 == low || $0 == low + 1 }), counts == counts.sorted(by: >) else { continue }
            let advanced = counts.count { $0 == low + 1 }
            let target = block.lowerBound + (advanced == length ? 0 : advanced)
            guard Shape(history[target]) == shape, history[target].occurrences < maximumCount,
                  block.allSatisfy({ foldableEvents.contains(history[$0].event) }) else { continue }
            if low == 1 && advanced == 0 {
                guard precededByVerbatimCycles(block, in: history) else { continue }
            }
            return target
        }
        return nil
    }

    /// Whether the lines before `block` are ``verbatimOccurrences`` unfolded copies of it.
    private static func precededByVerbatimCycles(_ block: Range<Int>, in history: [HistoryEntry]) -> Bool {
        let length = block.count
        let needed = verbatimOccurrences * length
        guard block.lowerBound >= needed else { return false }
        for offset in 1...needed {
            let earlier = history[block.lowerBound - offset]
            let member = history[block.upperBound - 1 - (offset - 1) % length]
            guard earlier.count == nil, Shape(earlier) == Shape(member) else { return false }
        }
        return true
    }

    /// What makes two entries the same thing: event, step, and the detail with every word that holds a digit
    /// replaced by `#` (readings, amounts, attempt numbers, ids such as `r-12` or a UUID).
    struct Shape: Equatable {
        var event: String
        var step: String?
        var detail: String?

        init(_ entry: HistoryEntry) {
            event = entry.event
            step = entry.step
            detail = entry.detail.map(HistoryFolding.shape(of:))
        }
    }

    /// `detail` with each space-separated word that contains a digit replaced by `#`.
    package static func shape(of detail: String) -> String {
        detail.split(separator: " ", omittingEmptySubsequences: false)
            .map { word in word.contains(where: \.isNumber) ? "#" : word }
            .joined(separator: " ")
    }
}
