import FlowEngine
import Foundation

/// The console's first page: how many instances are in each state, the stuck ones first with why, the money held
/// right now, and how many payments are near their capture deadline.
struct ConsoleOverview: Sendable {
    struct Count: Sendable {
        var status: String
        var count: Int
        var href: String
    }

    struct Held: Sendable {
        var money: String
    }

    var counts: [Count]
    var total: Int
    var stuckCount: Int
    /// The first ``shown`` stuck instances, oldest first.
    var stuck: [ConsoleRow]
    var hasStuck: Bool
    var moreStuck: Bool
    var held: [Held]
    var nothingHeld: Bool
    var nearCaptureDeadline: Int
    var unreadable: Int
    var hasUnreadable: Bool

    static let shown = 50

    init(summaries: [InstanceSummary], unreadable: Int, nearCaptureDeadline: Int, now: Date) {
        var byStatus: [String: Int] = [:]
        var held: [String: Int64] = [:]
        var stuck: [InstanceSummary] = []
        for summary in summaries {
            byStatus[summary.status, default: 0] += 1
            if summary.stuck != nil { stuck.append(summary) }
            if let amount = summary.held, amount > 0, let currency = summary.currency { held[currency, default: 0] += amount }
        }
        let order = ["running", "waiting", "failed", "succeeded", "corrupt"]
        counts = order.compactMap { status in byStatus[status].map { Count(status: status, count: $0, href: "/console/instances?status=\(status)") } }
        total = summaries.count
        stuckCount = stuck.count
        self.stuck = stuck.prefix(Self.shown).map { ConsoleRow($0, now: now) }
        hasStuck = !stuck.isEmpty
        moreStuck = stuck.count > Self.shown
        self.held = held.sorted { $0.key < $1.key }.map { Held(money: Money(minorUnits: $0.value, currency: $0.key).description) }
        nothingHeld = held.isEmpty
        self.nearCaptureDeadline = nearCaptureDeadline
        self.unreadable = unreadable
        hasUnreadable = unreadable > 0
    }
}

/// One instance in a table: the overview's stuck list and the instance list.
struct ConsoleRow: Sendable {
    var id: String
    var href: String
    /// A set-aside (corrupt) record has no page.
    var hasLink: Bool
    var flow: String
    var status: String
    var step: String
    var updated: String
    var reference: String
    var held: String
    var captured: String
    var note: String
    var isStuck: Bool

    init(_ summary: InstanceSummary, now: Date) {
        id = summary.id
        href = summary.status == "corrupt" ? "" : "/console/instances/" + ConsoleURL.pathComponent(summary.id)
        hasLink = !href.isEmpty
        flow = summary.flow
        status = summary.status
        step = summary.step ?? "-"
        updated = InstanceSummary.age(now.timeIntervalSince(summary.updatedAt)) + " ago"
        reference = summary.paymentReference ?? "-"
        held = summary.money(summary.held)
        captured = summary.money(summary.captured)
        note = summary.stuck ?? summary.failure ?? ""
        isStuck = summary.stuck != nil
    }
}

/// Percent-encoding for the links the console writes.
enum ConsoleURL {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func pathComponent(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    static func query(_ items: [(String, String)]) -> String {
        items.filter { !$0.1.isEmpty }.map { "\($0.0)=\(pathComponent($0.1))" }.joined(separator: "&")
    }
}
