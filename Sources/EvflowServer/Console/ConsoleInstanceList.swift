import FlowEngine
import Foundation

/// `/console/instances`: instances filtered by status, flow, age and an id or payment reference, newest first, one
/// page at a time. Only the page's rows are built; the filters run over outlines (``InstanceSummary``).
struct ConsoleInstanceList: Sendable {
    /// The filters, as the form sent them (`status`, `flow`, `olderThan`, `q`, `page`).
    struct Filter: Sendable {
        var status = ""
        var flow = ""
        var olderThan = ""
        var query = ""
        var page = 1
        var olderThanSeconds: TimeInterval?

        static let statuses = ["running", "waiting", "failed", "succeeded", "stuck", "corrupt"]

        /// - Throws: ``ConsoleInputError`` naming the filter that cannot be used.
        init(_ query: [String: String]) throws(ConsoleInputError) {
            status = query["status"] ?? ""
            guard status.isEmpty || Self.statuses.contains(status) else {
                throw ConsoleInputError(field: "status", message: "must be one of \(Self.statuses.joined(separator: ", "))")
            }
            flow = query["flow"] ?? ""
            olderThan = (query["olderThan"] ?? "").trimmingCharacters(in: .whitespaces)
            if !olderThan.isEmpty {
                guard let seconds = Self.seconds(olderThan) else {
                    throw ConsoleInputError(field: "olderThan", message: "must be a number and a unit, s, m, h or d (30m, 2h, 1d)")
                }
                olderThanSeconds = seconds
            }
            self.query = (query["q"] ?? "").trimmingCharacters(in: .whitespaces)
            if let text = query["page"], !text.isEmpty {
                guard let page = Int(text), page >= 1, page <= 1_000_000 else { throw ConsoleInputError(field: "page", message: "must be a whole number from 1") }
                self.page = page
            }
        }

        func matches(_ summary: InstanceSummary, now: Date) -> Bool {
            switch status {
            case "": break
            case "stuck": guard summary.stuck != nil else { return false }
            default: guard summary.status == status else { return false }
            }
            if !flow.isEmpty && summary.flow != flow { return false }
            if let olderThanSeconds, now.timeIntervalSince(summary.updatedAt) < olderThanSeconds { return false }
            if !query.isEmpty && !summary.id.contains(query) && !(summary.paymentReference?.contains(query) ?? false) { return false }
            return true
        }

        func href(page: Int) -> String {
            "/console/instances?" + ConsoleURL.query([("status", status), ("flow", flow), ("olderThan", olderThan), ("q", query), ("page", String(page))])
        }

        static func seconds(_ text: String) -> TimeInterval? {
            guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
            switch unit {
            case "s": return number
            case "m": return number * 60
            case "h": return number * 3600
            case "d": return number * 86_400
            default: return nil
            }
        }
    }

    struct Option: Sendable {
        var value: String
        var selected: Bool
    }

    static let pageSize = 50

    var rows: [ConsoleRow]
    var matched: Int
    var pageNumber: Int
    var pages: Int
    var hasPrevious: Bool
    var hasNext: Bool
    var previousHref: String
    var nextHref: String
    var statusOptions: [Option]
    var flowOptions: [Option]
    var flow: String
    var olderThan: String
    var query: String
    var empty: Bool

    init(summaries: [InstanceSummary], filter: Filter, flows: [String], now: Date) {
        // Newest first; only the matching rows' indices are kept until the page is cut.
        var matching: [Int] = []
        for index in summaries.indices.reversed() where filter.matches(summaries[index], now: now) { matching.append(index) }
        matched = matching.count
        pages = max(1, (matched + Self.pageSize - 1) / Self.pageSize)
        let page = min(filter.page, pages)
        pageNumber = page
        let start = (page - 1) * Self.pageSize
        rows = matching[start..<min(matched, start + Self.pageSize)].map { ConsoleRow(summaries[$0], now: now) }
        hasPrevious = page > 1
        hasNext = page < pages
        previousHref = filter.href(page: page - 1)
        nextHref = filter.href(page: page + 1)
        statusOptions = Filter.statuses.map { Option(value: $0, selected: $0 == filter.status) }
        flowOptions = flows.map { Option(value: $0, selected: $0 == filter.flow) }
        flow = filter.flow
        olderThan = filter.olderThan
        query = filter.query
        empty = rows.isEmpty
    }
}
