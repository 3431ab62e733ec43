import EPaymentSimulator
import FlowEngine

extension ScenarioExecution {
    /// Reads the outcome (instance file, provider ledger, station log) into the result and compares it with every
    /// expectation. Money comes from the provider's ledger, not from what the engine believes.
    func check(_ result: inout ScenarioResult) {
        let expect = scenario.expectations
        let instance = try? bed.instance(scenario.instanceID)
        let payment = instance?.payment.flatMap { bed.ledger.payment(reference: $0.reference) }
        result.status = instance?.status.rawValue ?? "not started"
        result.steps = instance?.steps.map(\.step) ?? []
        result.notifications = bed.station.events
        result.captured = payment?.aggregate.captured ?? 0
        result.released = payment?.aggregate.cancelled ?? 0
        result.refunded = payment?.aggregate.refunded ?? 0
        let currency = payment?.currency ?? instance?.payment?.currency ?? "NOK"

        func fail(_ name: String, _ expected: String, _ actual: String) {
            result.failures.append(.init(expectation: name, expected: expected, actual: actual))
        }
        func money(_ name: String, _ expected: Int64?, _ actual: Int64) {
            guard let expected, expected != actual else { return }
            fail(name, Self.describe(expected, currency), Self.describe(actual, currency))
        }

        if let status = expect.status, status != result.status {
            let reason = instance?.failure.map { " (\($0.code): \($0.message))" } ?? ""
            fail("status", status, result.status + reason)
        }
        if let failure = expect.failure, failure != instance?.failure?.code.rawValue {
            fail("failure", failure, instance?.failure?.code.rawValue ?? "no failure")
        }
        if let state = expect.paymentState, state != (payment?.state ?? "none") {
            fail("paymentState", state, payment?.state ?? "no payment created")
        }
        money("reserved", expect.reserved, payment?.amount ?? 0)
        money("captured", expect.captured, result.captured)
        money("released", expect.released, result.released)
        money("refunded", expect.refunded, result.refunded)
        if let held = expect.held {
            let aggregate = payment?.aggregate ?? LedgerAggregate()
            money("held", held, max(0, aggregate.authorized - aggregate.captured - aggregate.cancelled))
        }
        if let captures = expect.captures {
            let actual = payment?.events(named: "CAPTURED").filter(\.success).count ?? 0
            if captures != actual { fail("captures", "\(captures) CAPTURED event\(captures == 1 ? "" : "s")", "\(actual)") }
        }
        if let payments = expect.payments, payments != bed.ledger.payments.count {
            let actual = bed.ledger.payments.map(\.reference)
            fail("payments", "\(payments) payment\(payments == 1 ? "" : "s") at the provider", "\(actual.count) \(Self.list(actual))")
        }
        if let steps = expect.steps, steps != result.steps {
            fail("steps", Self.list(steps), Self.list(result.steps) + Self.firstDifference(steps, result.steps))
        }
        if let steps = expect.stepsInclude, !Self.isSubsequence(steps, of: result.steps) {
            fail("stepsInclude", Self.list(steps) + " in this order", Self.list(result.steps))
        }
        if let steps = expect.stepsExclude {
            let visited = steps.filter(result.steps.contains)
            if !visited.isEmpty { fail("stepsExclude", "never \(Self.list(steps))", "visited \(Self.list(visited))") }
        }
        if let notifications = expect.notifications, notifications != result.notifications {
            fail("notifications", Self.list(notifications), Self.list(result.notifications) + Self.firstDifference(notifications, result.notifications))
        }
        if let expected = expect.receipt { check(receipt: expected, payment?.receipt, captured: result.captured, currency: currency, fail) }
    }

    private func check(receipt expected: FlowScenario.ReceiptExpectation, _ actual: LedgerReceipt?, captured: Int64, currency: String,
                       _ fail: (String, String, String) -> Void) {
        func describe(_ receipt: LedgerReceipt) -> String {
            Self.list(receipt.orderLines.map { "\($0.id) \($0.totalAmount)" }) + " = \(Self.describe(receipt.total, currency)), tax \(receipt.totalTax)"
        }
        switch (expected, actual) {
        case (.none, nil): return
        case (.none, let receipt?): fail("receipt", "none", describe(receipt))
        case (.sent, nil): fail("receipt", "a receipt", "none in the provider's ledger")
        case (.sent(let lines, let total, let tax), let receipt?):
            if receipt.total != captured { fail("receipt", "lines adding up to the capture, \(Self.describe(captured, currency))", describe(receipt)) }
            if let lines, lines != receipt.orderLines.map(\.id) { fail("receipt.lines", Self.list(lines), describe(receipt)) }
            if let total, total != receipt.total { fail("receipt.total", Self.describe(total, currency), describe(receipt)) }
            if let tax, tax != receipt.totalTax { fail("receipt.tax", "\(tax)", describe(receipt)) }
        }
    }

    static func describe(_ minorUnits: Int64, _ currency: String) -> String {
        "\(minorUnits) (\(Money(minorUnits: minorUnits, currency: currency)))"
    }

    static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    static func firstDifference(_ expected: [String], _ actual: [String]) -> String {
        guard let index = zip(expected, actual).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
            return expected.count < actual.count ? " (extra from #\(expected.count + 1): \(actual[expected.count]))"
                : " (missing from #\(actual.count + 1): \(expected[actual.count]))"
        }
        return " (first difference at #\(index + 1): expected \(expected[index]), actual \(actual[index]))"
    }

    static func isSubsequence(_ needle: [String], of haystack: [String]) -> Bool {
        var remaining = needle[...]
        for item in haystack where item == remaining.first { remaining = remaining.dropFirst() }
        return remaining.isEmpty
    }
}
