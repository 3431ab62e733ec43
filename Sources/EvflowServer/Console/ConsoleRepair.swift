import Foundation
import FlowEngine

/// One repair an operator asks for in the console, as its form sent it: what, why, and the action's own fields.
struct ConsoleRepair: Sendable, Equatable {
    enum Action: String, Sendable, CaseIterable {
        case resume, retry, cancel, refund
        /// `evflow mark-done`: accept a capture or release made by hand, checked against the provider's event log.
        case markDone = "mark-done"
        /// `evflow resume --set`: correct inputs or variables, then resume.
        case correct

        /// The button's and the page's word.
        var title: String {
            switch self {
            case .resume: "Resume"
            case .retry: "Retry"
            case .cancel: "Cancel"
            case .refund: "Refund"
            case .markDone: "Mark done"
            case .correct: "Correct and resume"
            }
        }

        /// Whether the customer's money moves, or what decides how much: the page warns and asks for the right to
        /// move money.
        var movesMoney: Bool { self == .cancel || self == .refund || self == .markDone || self == .correct }
    }

    var action: Action
    /// Why, in the operator's words: recorded in the instance's timeline with their token's name.
    var reason: String
    /// Retry: the step to start a fresh visit of; `nil` re-runs the failed step.
    var fromStep: String?
    /// Retry: run a money step again although its money already moved (needs the right to move money).
    var rerunCompleted: Bool = false
    /// Refund: what to refund.
    var amount: RefundAmount?
    /// Mark done: the capture or cancel step done by hand, and the provider event's pspReference.
    var step: String?
    var pspReference: String?
    /// Correct: `inputs.<name>=<value>` or `variables.<name>=<value>`, one per line, typed by the definition.
    var assignments: [String] = []

    /// Reads a repair from a form's fields.
    /// - Throws: ``ConsoleInputError`` naming the field that is missing or wrong.
    init(form: [String: String]) throws(ConsoleInputError) {
        guard let action = form["action"].flatMap(Action.init(rawValue:)) else {
            throw ConsoleInputError(field: "action", message: "must be one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.action = action
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ConsoleInputError(field: "reason", message: "is required: say why, for the instance's timeline") }
        guard reason.count <= 500 else { throw ConsoleInputError(field: "reason", message: "is longer than 500 characters") }
        self.reason = reason
        if action == .retry {
            let step = (form["fromStep"] ?? "").trimmingCharacters(in: .whitespaces)
            fromStep = step.isEmpty ? nil : step
            rerunCompleted = form["rerunCompleted"] == "yes"
        }
        if action == .markDone {
            let step = (form["step"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !step.isEmpty else { throw ConsoleInputError(field: "step", message: "is required: the capture or cancel step that was done by hand") }
            let reference = (form["pspReference"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !reference.isEmpty else { throw ConsoleInputError(field: "pspReference", message: "is required: the pspReference of the provider's event, as the merchant portal shows it") }
            guard step.count <= 200, reference.count <= 200 else { throw ConsoleInputError(field: "pspReference", message: "is longer than 200 characters") }
            self.step = step
            pspReference = reference
        }
        if action == .correct {
            let lines = (form["set"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !lines.isEmpty else { throw ConsoleInputError(field: "set", message: "is required: one inputs.<name>=<value> per line, for example inputs.pricePerKWh=4.55 NOK") }
            guard lines.count <= 20, lines.allSatisfy({ $0.count <= 500 }) else { throw ConsoleInputError(field: "set", message: "has more than 20 lines or a line longer than 500 characters") }
            assignments = lines
        }
        if action == .refund {
            let text = (form["amount"] ?? "").trimmingCharacters(in: .whitespaces)
            if text == "all" {
                amount = .all
            } else if let units = Int64(text), units > 0 {
                amount = .minorUnits(units)
            } else {
                throw ConsoleInputError(field: "amount", message: "must be a whole number of minor units above 0 (2500 is 25.00 NOK) or 'all'")
            }
        }
    }

    /// The fields to send again with the confirmation, in the form's names.
    var formFields: [(name: String, value: String)] {
        var fields = [("action", action.rawValue), ("reason", reason)]
        if let fromStep { fields.append(("fromStep", fromStep)) }
        if rerunCompleted { fields.append(("rerunCompleted", "yes")) }
        if let step { fields.append(("step", step)) }
        if let pspReference { fields.append(("pspReference", pspReference)) }
        if !assignments.isEmpty { fields.append(("set", assignments.joined(separator: "\n"))) }
        switch amount {
        case .all?: fields.append(("amount", "all"))
        case .minorUnits(let units)?: fields.append(("amount", String(units)))
        case nil: break
        }
        return fields
    }
}

/// A console form field that is missing or malformed; the page names the field.
struct ConsoleInputError: Error, Sendable, CustomStringConvertible {
    var field: String
    var message: String
    var description: String { "'\(field)' \(message)" }
}
