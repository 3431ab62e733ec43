import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// The outline index's own reader of `R` lines (``OutlineRecord/read(_:_:using:)``) gives exactly what
/// `JSONDecoder` gives, and leaves every line it does not take to `JSONDecoder`, so a damaged line is still
/// reported and an unusual one still read.
struct OutlineRecordReadingTests {
    static let at = Date(timeIntervalSinceReferenceDate: 817_000_000.123_456_7)

    /// A record with every field set (the test below checks none is forgotten).
    static var everyField: OutlineRecord {
        var step = StepRecord(step: "capture", visit: 2, enteredAt: at)
        step.attempts = 3
        step.idempotencyKey = "key-1"
        step.intent = .release
        step.completedAt = at.addingTimeInterval(1)
        step.lastError = "the provider answered 503"
        step.nextAttemptAt = at.addingTimeInterval(2)
        step.lastAttemptAt = at.addingTimeInterval(3)
        step.lastUnansweredAt = at.addingTimeInterval(4)
        step.unconfirmedSince = at.addingTimeInterval(5)
        step.noEffectConfirmedAt = at.addingTimeInterval(6)
        step.operatorOverride = "re-run on ticket 42"
        step.manualCompletion = ManualCompletion(
            pspReference: "psp-1", event: "CAPTURED", amount: 300, currency: "NOK", eventAt: at, idempotencyKey: "portal-1",
            by: "ops", reason: "captured in the portal", acceptedAt: at.addingTimeInterval(7))
        var payment = PaymentSummary(reference: "ev-1", state: "AUTHORIZED", currency: "NOK", reserved: 50_000)
        payment.authorized = 50_000
        payment.captured = 1_200
        payment.cancelled = 3
        payment.refunded = 4
        payment.authorizedAt = at.addingTimeInterval(8)
        var refund = OperatorRefund(number: 1, instance: "every-1", amount: 100, currency: "NOK", wholeRemainder: false, reason: "goodwill", at: at)
        refund.lastAttemptAt = at
        refund.confirmedAt = at
        refund.refusedAt = at
        refund.lastError = "timeout"
        var outline = InstanceOutline(InstanceSamples.instance("every-1"))
        outline.createdAt = at
        outline.updatedAt = at.addingTimeInterval(9)
        outline.currentStep = "capture"
        outline.wakeAt = Date(timeIntervalSinceReferenceDate: 3_000_000_000.5)
        outline.payment = payment
        outline.failure = FlowInstance.Failure(code: .noPayment, message: "no payment", step: "capture")
        outline.lastStep = step
        outline.seenSignalIDs = ["b-signal", "a-signal"]
        outline.unconfirmedReservation = "ev-0"
        outline.unsettledOperatorRefund = refund
        return OutlineRecord(outline, file: FileStamp(inode: 12, size: 4_451, modified: 1_796_231_223_268_109_977))
    }

    /// The JSON of `record` as the index writes it, without the `R` and newline.
    static func json(_ record: OutlineRecord) throws -> [UInt8] {
        let line = try #require(OutlineIndex.line(.record(record), id: record.id))
        return Array(line.dropFirst(2).dropLast())
    }

    static func read(_ json: [UInt8]) -> OutlineRecord? {
        json.withUnsafeBufferPointer { OutlineRecord.read($0, 0..<$0.count, using: StateFileCoding.decoder()) }
    }

    /// The whole index reading of one line, as `evflow list` reads it.
    static func indexEntry(_ json: [UInt8]) -> OutlineIndex.Reading {
        let bytes = Array(OutlineIndex.Header(bootID: "b", instancesDirectory: "1.2", lines: 1).line.utf8) + Array("R\t".utf8) + json + [0x0A]
        return bytes.withUnsafeBufferPointer { OutlineIndex.parse($0) }
    }

    @Test func everyFieldIsReadAsJSONDecoderReadsIt() throws {
        let sparse = OutlineRecord(InstanceOutline(InstanceSamples.instance("sparse-1")), file: FileStamp(inode: 1, size: 2, modified: 3))
        for record in [Self.everyField, sparse] {
            let json = try Self.json(record)
            let decoded = try StateFileCoding.decoder().decode(OutlineRecord.self, from: Data(json))
            let read = try #require(Self.read(json), "the reader takes what the index writes")
            #expect(read == decoded)
            #expect(read == record)
        }
    }

    /// A field added to the record, or to one of the nested types the reader reads itself, must be read by it too;
    /// until it is, the reader refuses the new key and every line goes through `JSONDecoder` (correct, but slow).
    @Test func theFixtureSetsEveryOptionalField() {
        var unset: [String] = []
        func visit(_ value: Any, path: String) {
            let mirror = Mirror(reflecting: value)
            for child in mirror.children {
                let childPath = path + "." + (child.label ?? "?")
                let inner = Mirror(reflecting: child.value)
                if inner.displayStyle == .optional {
                    guard let wrapped = inner.children.first?.value else { unset.append(childPath); continue }
                    descend(wrapped, childPath)
                } else {
                    descend(child.value, childPath)
                }
            }
        }
        func descend(_ value: Any, _ path: String) {
            // The nested types the reader reads field by field; the others go to JSONDecoder whole.
            if value is FlowInstance.PinnedDefinition || value is PaymentSummary || value is FlowInstance.Failure || value is StepRecord || value is FileStamp {
                visit(value, path: path)
            }
        }
        visit(Self.everyField, path: "$")
        #expect(unset.isEmpty, "set these in everyField, and read them in OutlineRecord+Reading.swift: \(unset)")
    }

    /// Replaces the first occurrence of `old` in the record's JSON.
    static func edited(_ old: String, _ new: String) throws -> [UInt8] {
        let text = String(decoding: try json(everyField), as: UTF8.self)
        let range = try #require(text.range(of: old), "\(old) is in the JSON")
        return Array(text.replacingCharacters(in: range, with: new).utf8)
    }

    @Test(arguments: [
        ("an escape in a string", "\"the provider answered 503\"", "\"the provider said \\\"no\\\"\""),
        ("a key from a newer evflow", "\"id\":", "\"newField\":1,\"id\":"),
        ("an amount with a fraction", "\"captured\":1200", "\"captured\":1200.0"),
        ("a version written as a decimal", "\"version\":3", "\"version\":3.0"),
        ("a repeated key (JSONDecoder keeps the first)", "\"id\":\"every-1\"", "\"id\":\"other-1\",\"id\":\"every-1\""),
        ("a repeated key far from the first, out of the sorted order", "\"status\":\"waiting\"", "\"status\":\"waiting\",\"id\":\"other-1\""),
        ("a key that is not ASCII", "\"id\":", "\"\u{00EF}d\":1,\"id\":"),
        ("a date with text after its Z", "\"createdAt\":\"2026-11-22T00:26:40.1234567Z\"", "\"createdAt\":\"2026-11-22T00:26:40.1234567Zé\""),
        ("a nested value deeper than the reader skips", "\"intent\":{}", "\"intent\":{\"x\":" + String(repeating: "[", count: 20) + String(repeating: "]", count: 20) + "}"),
    ])
    func linesTheReaderDoesNotTakeGoToJSONDecoder(_ what: String, _ old: String, _ new: String) throws {
        let json = try Self.edited(old, new)
        #expect(Self.read(json) == nil, "\(what): left to JSONDecoder")
        let decoded = try? StateFileCoding.decoder().decode(OutlineRecord.self, from: Data(json))
        switch Self.indexEntry(json) {
        case .read(let contents):
            #expect(decoded != nil, "\(what)")
            let id = decoded?.id ?? "every-1"
            #expect(contents.entries[id] == decoded.map { .record($0) }, "\(what): read as JSONDecoder reads it")
        case .unusable(let problem):
            #expect(decoded == nil, "\(what): \(problem)")
        }
    }

    /// The writer sorts keys, and the reader checks each against the one before; keys in another order (a record
    /// written by hand, or by another writer) are still read, after a search for repeats.
    @Test func keysOutOfTheSortedOrderAreStillRead() throws {
        let text = String(decoding: try Self.json(Self.everyField), as: UTF8.self)
        let member = "\"status\":\"waiting\","
        #expect(text.contains(member) && !text.hasPrefix("{" + member))
        let reordered = Array(("{" + member + text.dropFirst().replacingOccurrences(of: member, with: "")).utf8)
        #expect(reordered != (try Self.json(Self.everyField)))
        let read = try #require(Self.read(reordered), "read by the byte reader, not left to JSONDecoder")
        #expect(read == Self.everyField)
    }

    @Test(arguments: [
        ("a negative amount", "\"captured\":1200", "\"captured\":-1200"),
        ("a count beyond what the engine writes", "\"attempts\":3", "\"attempts\":9223372036854775807"),
        ("a required field missing", "\"status\":\"waiting\",", ""),
        ("a status that is not a string", "\"status\":\"waiting\"", "\"status\":7"),
        ("a line cut short", "\"file\":{", "\"file\":{\"inode\":"),
    ])
    func aDamagedLineIsReportedNotRead(_ what: String, _ old: String, _ new: String) throws {
        let json = try Self.edited(old, new)
        #expect(Self.read(json) == nil, "\(what)")
        guard case .unusable(let problem) = Self.indexEntry(json) else {
            Issue.record("\(what): a damaged line was read")
            return
        }
        #expect(problem.contains("line 2"), "\(problem)")
    }

    /// The byte reader of dates gives the `Date` the text reader gives (and so the one that was written), across
    /// the forms ``StateFileCoding/string(from:)`` writes: whole milliseconds, `Date()` precision, before 2001, and
    /// far enough ahead that the fast path does not apply.
    @Test func datesReadFromBytesEqualDatesReadFromText() throws {
        var generator = SystemRandomNumberGenerator()
        var references: [Double] = [0, 0.5, 1, 817_000_000.125, 817_000_000.123_456_7, 3_000_000_000.000_001, -5.25, -978_307_200, 1e10 + 0.1]
        for _ in 0..<2_000 {
            references.append(Double.random(in: -1e9...4e9, using: &generator))
            references.append(Double(Int64.random(in: 0...4_000_000_000_000, using: &generator)) / 1_000)
        }
        references.append(Date().timeIntervalSinceReferenceDate)
        for reference in references {
            let date = Date(timeIntervalSinceReferenceDate: reference)
            let text = StateFileCoding.string(from: date)
            let fromBytes = Array(text.utf8).withUnsafeBufferPointer { StateFileCoding.date(fromUTF8: $0) }
            #expect(fromBytes == StateFileCoding.date(from: text), "\(text)")
            #expect(fromBytes == date, "\(text) reads back as written")
        }
        for odd in ["2026-11-27T13:44:41Z", "2026-11-27T13:44:41.5+01:00", "2026-13-27T13:44:41.5Z", "2026-11-27T13:44:41.5x5Z", "garbage"] {
            let fromBytes = Array(odd.utf8).withUnsafeBufferPointer { StateFileCoding.date(fromUTF8: $0) }
            #expect(fromBytes == StateFileCoding.date(from: odd), "\(odd)")
        }
    }
}
