import EPaymentSimulator
import FlowEngine
import Foundation

/// Turns a demo session's outcome into what `evflow demo` prints: a timeline on virtual time, the money, and
/// the verdict of the provider's ledger.
struct DemoReport {
    let demo: ChargingDemo
    let outcome: ChargingDemo.Outcome

    /// The price the tariff gives for the energy delivered: start fee + Wh × price per kWh / 1000, half-up.
    var expectedCapture: Int64 {
        guard outcome.energyWh > 0 else { return 0 }
        let energy = (demo.pricePerKWh * outcome.energyWh * 2 + 1000) / 2000
        return min(demo.maxAmount, demo.startFee + energy)
    }

    /// Problems the ledger shows; empty when the session settled correctly.
    var problems: [String] {
        var problems: [String] = []
        guard let payment = outcome.payment else { return ["no payment was created"] }
        let aggregate = payment.aggregate
        let captures = payment.events(named: "CAPTURED").filter(\.success).count
        if outcome.instance.status != .succeeded { problems.append("the instance ended \(outcome.instance.status)") }
        if captures != 1 { problems.append("\(captures) CAPTURED events, expected exactly 1") }
        if aggregate.captured != expectedCapture {
            problems.append("captured \(Self.nok(aggregate.captured)), the tariff says \(Self.nok(expectedCapture))")
        }
        if aggregate.cancelled != aggregate.authorized - aggregate.captured {
            problems.append("released \(Self.nok(aggregate.cancelled)), expected \(Self.nok(aggregate.authorized - aggregate.captured))")
        }
        if let receipt = payment.receipt {
            if receipt.total != aggregate.captured {
                problems.append("the receipt's lines add up to \(Self.nok(receipt.total)), but \(Self.nok(aggregate.captured)) was captured")
            }
        } else if aggregate.captured > 0 {
            problems.append("no receipt in the provider's ledger")
        }
        return problems
    }

    var text: String {
        var lines: [String] = []
        let instance = outcome.instance
        let flow = demo.journey.flow
        lines.append("evflow demo: one EV charging session, end to end (journey: \(demo.journey.rawValue))")
        lines.append("")
        lines.append("  flow          \(flow) v\(instance.flow.version) (\(demo.flows.path)/\(flow).json, unchanged), instance \(instance.id)")
        lines.append("  payment API   embedded ePayment simulator at \(outcome.simulatorURL), real HTTP through libcurl")
        lines.append("  station       a backend stub on 127.0.0.1 receiving the flow's signed callbacks")
        if demo.journey == .push {
            lines.append("  customer      approves in the app \(demo.approveAfter.components.seconds) s after the payment is created (simulator autoApproveAfter)")
        } else {
            lines.append("  customer      follows the payment link \(demo.approveAfter.components.seconds) s after it is handed out and approves in the app")
            lines.append("                (the demo plays the customer: the test approve endpoint with the link's token)")
        }
        lines.append("  state folder  \(outcome.stateDirectory)\(outcome.keptStateDirectory ? "" : " (temporary, removed afterwards; keep it with --state-dir)")")
        lines.append("  clock         virtual: the runner and the simulator share one clock the demo moves forward, so the")
        lines.append("                41-minute session takes about a second; every poll, timer and retry fires at its due time")
        lines.append("")
        lines.append("Timeline (virtual time since start)")
        lines += timeline.map { "  \($0.time)  \($0.who.padding(toLength: 17, withPad: " ", startingAt: 0)) \($0.what)" }
        lines.append("")
        lines.append("Money")
        if let payment = outcome.payment {
            let aggregate = payment.aggregate
            let energy = (demo.pricePerKWh * outcome.energyWh * 2 + 1000) / 2000
            lines.append("  reserved   \(Self.nok(payment.amount, width: 10))   held on the customer's card from approval")
            lines.append("  captured   \(Self.nok(aggregate.captured, width: 10))   \(ChargingDemo.kWh(outcome.energyWh)) × \(Self.nok(demo.pricePerKWh))/kWh = \(Self.nok(energy)) (half-up) + \(Self.nok(demo.startFee)) start fee")
            lines.append("  released   \(Self.nok(aggregate.cancelled, width: 10))   the remainder, cancelled as soon as the capture succeeded")
            lines.append("  refunded   \(Self.nok(aggregate.refunded, width: 10))")
        }
        if let receipt = outcome.payment?.receipt {
            lines.append("")
            lines.append("Receipt (Order Management API, in the simulator's ledger as \(receipt.id))")
            for line in receipt.orderLines {
                let quantity = [line.quantity, line.quantityUnit].compactMap { $0 }.joined(separator: " ")
                let unit = line.unitPrice.map { " × \(Self.nok($0))" } ?? ""
                let what = "\(line.name) \(quantity)\(unit)".padding(toLength: 30, withPad: " ", startingAt: 0)
                lines.append("  \(what) \(Self.nok(line.totalAmount, width: 10))   excl. VAT \(Self.nok(line.totalAmountExcludingTax)), VAT \(Self.nok(line.totalTaxAmount))")
            }
            lines.append("  \("total".padding(toLength: 30, withPad: " ", startingAt: 0)) \(Self.nok(receipt.total, width: 10))   VAT \(Self.nok(receipt.totalTax)); the lines add up to the capture")
        }
        lines.append("")
        let problems = problems
        if problems.isEmpty, let payment = outcome.payment {
            lines.append("Ledger verdict: ✔ captured exactly once (\(Self.nok(payment.aggregate.captured))), the remainder released, nothing left held, the receipt adds up to the capture; instance succeeded.")
        } else {
            lines.append("Ledger verdict: ✘ " + problems.joined(separator: "; "))
        }
        lines.append("Station received: \(outcome.notifications.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }

    struct Line {
        var time: String
        var who: String
        var what: String
    }

    /// The instance's history, with the provider's ledger events placed where they happened (keyed events at the
    /// call that carried their Idempotency-Key, the customer's approval by time) and the station's signals in words.
    var timeline: [Line] {
        var lines: [Line] = []
        let events = outcome.payment?.events ?? []
        var unkeyed = events.filter { $0.idempotencyKey == nil }[...]
        var printedKeys: Set<String> = []
        func time(_ date: Date) -> String { Self.clock(.seconds(Int64(date.timeIntervalSince(outcome.start).rounded()))) }
        func ledgerLine(_ event: LedgerEvent) -> Line {
            let what: String
            switch event.name {
            case "CREATED": what = "CREATED     \(Self.nok(event.amount)) reserved: \(demo.journey.created)"
            case "AUTHORIZED": what = "AUTHORIZED  \(Self.nok(event.amount)): the customer approved in the app"
            case "CAPTURED": what = "CAPTURED    \(Self.nok(event.amount))"
            case "CANCELLED": what = "CANCELLED   \(Self.nok(event.amount)) released to the customer"
            default: what = "\(event.name) \(Self.nok(event.amount))"
            }
            return Line(time: time(event.timestamp), who: "provider", what: what)
        }
        for entry in outcome.instance.history {
            while let next = unkeyed.first, next.timestamp <= entry.at {
                lines.append(ledgerLine(next))
                unkeyed = unkeyed.dropFirst()
            }
            let step = entry.step ?? "flow"
            switch entry.event {
            case "intent":
                for event in events where event.idempotencyKey.map({ entry.detail?.contains($0) == true && !printedKeys.contains($0) }) == true {
                    printedKeys.insert(event.idempotencyKey!)
                    lines.append(ledgerLine(event))
                }
            case "received":
                let id = entry.detail?.split(separator: " ").last.map(String.init) ?? ""
                lines.append(Line(time: time(entry.at), who: "station", what: outcome.signals[id] ?? entry.detail ?? ""))
            case "started":
                lines.append(Line(time: time(entry.at), who: "flow", what: "started: \(entry.detail ?? "")"))
            case "signal":
                continue
            case "succeeded" where entry.detail?.contains("(minor units)") == true:
                continue
            default:
                lines.append(Line(time: time(entry.at), who: step, what: entry.detail ?? entry.event))
            }
        }
        lines += unkeyed.map(ledgerLine)
        if let link = outcome.link {
            insert(Line(time: time(link.at), who: demo.journey.linkHolder, what: "\(demo.journey.linkVerb) \(link.url)"), into: &lines)
        }
        if let followed = outcome.followedAt {
            // Before what the provider logged at that moment: the approval is the customer's doing.
            insert(Line(time: time(followed), who: "customer", what: "opens the link and approves in the app"), into: &lines, beforeSameTime: true)
        }
        return lines
    }

    /// Places `line` after every line before its time, and after (or, `beforeSameTime`, before) those at its time.
    private func insert(_ line: Line, into lines: inout [Line], beforeSameTime: Bool = false) {
        let index = lines.firstIndex { beforeSameTime ? $0.time >= line.time : $0.time > line.time }
        lines.insert(line, at: index ?? lines.endIndex)
    }

    static func nok(_ minorUnits: Int64, width: Int = 0) -> String {
        let text = Money(minorUnits: minorUnits, currency: "NOK").description
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func clock(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }
}
