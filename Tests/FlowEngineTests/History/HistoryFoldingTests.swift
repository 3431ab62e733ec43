import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// Repeated timeline entries fold into counted lines (``HistoryFolding``): the first occurrences stay as they
/// were, later ones are counted, and nothing about money or the flow's course folds.
struct HistoryFoldingTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    /// A timeline fed `readings` plain meter readings, a minute apart, as the runner and the interpreter log them.
    static func readings(_ count: Int, into instance: inout FlowInstance, from first: Int = 1) {
        for number in first..<(first + count) {
            let at = t0.addingTimeInterval(60 * Double(number))
            instance.log("received", step: "meter", "signal meterReading r-\(number)", at: at)
            instance.log("signal", step: "meter", "meterReading r-\(number) used", at: at)
        }
    }

    static func instance() -> FlowInstance { InstanceSamples.instance("fold-1") }

    @Test func aReadingCycleKeepsItsFirstThreeOccurrencesAndCountsTheRest() throws {
        var instance = Self.instance()
        let before = instance.history.count
        Self.readings(600, into: &instance)
        let lines = Array(instance.history.dropFirst(before))
        // 3 verbatim cycles of 2 lines, then one folded line per member of the cycle.
        #expect(lines.count == 8, "\(lines.map(\.timelineText))")
        #expect(lines.prefix(6).allSatisfy { $0.count == nil && $0.firstAt == nil })
        #expect(lines.prefix(6).map(\.detail) == ["signal meterReading r-1", "meterReading r-1 used", "signal meterReading r-2",
                                                "meterReading r-2 used", "signal meterReading r-3", "meterReading r-3 used"])
        let received = lines[6], used = lines[7]
        #expect(received.event == "received" && used.event == "signal")
        #expect(received.count == 597 && used.count == 597)
        #expect(received.firstAt == Self.t0.addingTimeInterval(60 * 4) && received.at == Self.t0.addingTimeInterval(60 * 600))
        #expect(received.detail == "signal meterReading r-600" && used.detail == "meterReading r-600 used", "the last occurrence is shown")
        #expect(lines.map(\.occurrences).reduce(0, +) == 1200, "every occurrence is counted")
    }

    @Test func aDifferentEntryEndsTheFoldAndALaterCycleStartsVerbatimAgain() {
        var instance = Self.instance()
        Self.readings(10, into: &instance)
        instance.log("timeout", step: "meter", "step timed out: going to stopCharging", at: Self.t0.addingTimeInterval(700))
        Self.readings(2, into: &instance, from: 11)
        let tail = instance.history.suffix(5)
        #expect(tail.map(\.event) == ["timeout", "received", "signal", "received", "signal"])
        #expect(tail.allSatisfy { $0.count == nil })
    }

    @Test func moneyAndTheFlowsCourseNeverFold() {
        var instance = Self.instance()
        let before = instance.history.count
        for attempt in 1...10 {
            let at = Self.t0.addingTimeInterval(Double(attempt))
            instance.log("succeeded", step: "capture", "capture on evflow-1: captured 47.88 NOK", at: at)
            instance.log("entered", step: "capture", "visit \(attempt)", at: at)
        }
        #expect(instance.history.count == before + 20)
    }

    @Test func retriesOfAFailingCallFoldWithTheirIntents() {
        var instance = Self.instance()
        let before = instance.history.count
        for attempt in 1...50 {
            let at = Self.t0.addingTimeInterval(2 * Double(attempt))
            instance.log("intent", step: "capture", "attempt \(attempt) with key k-capture-1", at: at)
            instance.log("retry", step: "capture", "retryable error, attempt \(attempt + 1) in 2s: HTTP 503", at: at)
        }
        let lines = instance.history.dropFirst(before)
        #expect(lines.count == 8)
        #expect(lines.last?.detail == "retryable error, attempt 51 in 2s: HTTP 503" && lines.last?.count == 47)
    }

    @Test func readingsOfDifferentSignalsOrStepsAreNotTheSameThing() {
        #expect(HistoryFolding.shape(of: "signal meterReading r-12") == HistoryFolding.shape(of: "signal meterReading 9f3c2a1e-77b0"))
        #expect(HistoryFolding.shape(of: "signal meterReading r-12") != HistoryFolding.shape(of: "signal sessionEnded end"))
        var instance = Self.instance()
        Self.readings(10, into: &instance)
        let lines = instance.history.count
        // The same words at another step, then another signal at the same step: new lines, not folded in.
        instance.log("received", step: "authorize", "signal meterReading r-11", at: Self.t0.addingTimeInterval(660))
        instance.log("signal", step: "meter", "sessionEnded end used", at: Self.t0.addingTimeInterval(660))
        #expect(instance.history.count == lines + 2)
        #expect(instance.history.suffix(2).allSatisfy { $0.count == nil })
    }

    @Test func aFoldedLineIsPlainOptionalJSONAndComesBackExactly() throws {
        var instance = Self.instance()
        Self.readings(5, into: &instance)
        let bytes = try StateFileCoding.encoder().encode(instance)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""count" : 2"#) && text.contains(#""firstAt" : "#), "readable fields in the state file")
        #expect(try StateFileCoding.decoder().decode(FlowInstance.self, from: bytes) == instance)
        // Lines that stand for one occurrence are written exactly as before folding existed.
        let single = try StateFileCoding.encoder().encode(HistoryEntry(at: Self.t0, step: "meter", event: "received", detail: "x"))
        #expect(!String(decoding: single, as: UTF8.self).contains("count") && !String(decoding: single, as: UTF8.self).contains("firstAt"))
    }

    @Test func aTimelineLineWithoutTheNewFieldsStillDecodes() throws {
        let old = #"{"at": "2026-11-27T13:44:41.125Z", "detail": "signal meterReading r-1", "event": "received", "step": "meter"}"#
        let entry = try StateFileCoding.decoder().decode(HistoryEntry.self, from: Data(old.utf8))
        #expect(entry.count == nil && entry.firstAt == nil && entry.occurrences == 1 && entry.startedAt == entry.at)
    }

    @Test(arguments: [0, -1, Int(Int32.max) + 1])
    func aCountTheEngineNeverWritesIsRefusedWithItsPath(count: Int) throws {
        let text = #"{"history": [{"at": "2026-11-27T13:44:41.125Z", "count": \#(count), "event": "received"}]}"#
        struct Holder: Decodable { var history: [HistoryEntry] }
        do {
            _ = try StateFileCoding.decoder().decode(Holder.self, from: Data(text.utf8))
            Issue.record("count \(count) was accepted")
        } catch {
            #expect(StateFileCoding.describe(error).contains("$.history[0].count"), "\(StateFileCoding.describe(error))")
        }
    }

    @Test func theTimelineShowsHowManyTimesAndWhen() {
        var instance = Self.instance()
        Self.readings(10, into: &instance)
        let folded = instance.history.last { $0.event == "received" }!
        #expect(folded.timelineText.hasPrefix(InstanceSummary.time(Self.t0.addingTimeInterval(60 * 4))), "placed at its first occurrence")
        #expect(folded.timelineText.contains("[meter] signal meterReading r-10  (7 times, the last at \(InstanceSummary.time(Self.t0.addingTimeInterval(600))))"),
                "\(folded.timelineText)")
        #expect(!instance.history[0].timelineText.contains("times"))
    }
}
