import Foundation
import Testing

@testable import FlowEngine

struct StateFileCodingTests {
    @Test(arguments: [
        (Date(timeIntervalSince1970: 1_795_000_000.125), "2026-11-18T11:06:40.125Z"),
        (Date(timeIntervalSince1970: 1_795_000_000), "2026-11-18T11:06:40.000Z"),
        (Date(timeIntervalSince1970: 0), "1970-01-01T00:00:00.000Z"),
        (Date(timeIntervalSince1970: 951_782_400.5), "2000-02-29T00:00:00.500Z"),
        (Date(timeIntervalSince1970: -1.25), "1969-12-31T23:59:58.750Z"),
    ])
    func datesAreReadableUTC(date: Date, text: String) {
        #expect(StateFileCoding.string(from: date) == text)
        #expect(StateFileCoding.date(from: text) == date)
    }

    @Test func everyDateComesBackExactly() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let date = Date(timeIntervalSinceReferenceDate: Bool.random(using: &generator) ? Double.random(in: -2e9...2e9, using: &generator) : Double.random(in: 1...2000, using: &generator))
            let text = StateFileCoding.string(from: date)
            #expect(StateFileCoding.date(from: text) == date, "\(text) \(date.timeIntervalSinceReferenceDate)")
        }
        let now = Date()
        #expect(StateFileCoding.date(from: StateFileCoding.string(from: now)) == now)
        #expect(StateFileCoding.string(from: now).count <= 30, "no more digits than needed")
    }

    @Test func handEditedDatesAreAccepted() {
        #expect(StateFileCoding.date(from: "2026-11-18T11:06:40Z") == Date(timeIntervalSince1970: 1_795_000_000))
        #expect(StateFileCoding.date(from: "2026-11-18T12:06:40+01:00") == Date(timeIntervalSince1970: 1_795_000_000))
    }

    @Test(arguments: ["", "yesterday", "2026-11-18T11:06:40.1234567890123456789Z", "2026-13-01T00:00:00Z", "2026-11-18T11:06:40.Z", "2026-11-18 11:06:40Z", "2026-11-18T11:06:40.12aZ"])
    func badDatesAreRejected(text: String) {
        #expect(StateFileCoding.date(from: text) == nil)
    }

    @Test func aBadDateInAStateFileNamesItsPath() throws {
        let json = Array(#"{"at": "soon", "event": "started"}"#.utf8)
        do {
            _ = try StateFileCoding.decoder().decode(HistoryEntry.self, from: Data(json))
            Issue.record("decoded a bad date")
        } catch {
            let text = StateFileCoding.describe(error)
            #expect(text.contains("$.at"), "\(text)")
            #expect(text.contains("bad date \"soon\""), "\(text)")
        }
    }

    /// The times operators read (`evflow list`, diagnoses, timelines) are computed, and must say what an ISO 8601
    /// formatter says: UTC, to the second, with a space for the `T`.
    @Test func operatorTimesMatchTheISOFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var generator = SystemRandomNumberGenerator()
        var dates = [0, -1.25, 951_782_400.5, 1_795_000_000.999, 4_102_444_800, -2_208_988_800].map { Date(timeIntervalSince1970: $0) }
        for _ in 0..<1_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -3e9...8e9, using: &generator))) }
        for date in dates {
            #expect(InstanceSummary.time(date) == formatter.string(from: date).replacingOccurrences(of: "T", with: " "), "\(date.timeIntervalSince1970)")
        }
    }
}
