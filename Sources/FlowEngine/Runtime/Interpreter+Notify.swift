import Foundation

extension Interpreter {
    func execute(_ notify: NotifyStep, _ step: Step, _ instance: inout FlowInstance) async throws -> Outcome {
        guard var record = instance.currentRecord else { return .park(until: nil) }
        if let due = record.nextAttemptAt, now < due { return .park(until: due) }

        let eventID = record.idempotencyKey ?? Self.idempotencyKey(instance: instance.id, step: step.id, visit: record.visit)
        let env = environment(instance)
        var payload: [String: Any] = [:]
        for (name, expression) in notify.payload {
            payload[name] = try expression.evaluate(in: env).jsonObject
        }
        let document: [String: Any] = [
            "event": notify.event, "eventId": eventID, "instanceId": instance.id, "flow": instance.flow.name, "payload": payload,
        ]
        let body = Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
        record.idempotencyKey = eventID
        record.attempts += 1
        record.nextAttemptAt = nil
        instance.updateCurrentRecord { $0 = record }

        let errorClass: StepRetryPolicy.ErrorClass?
        let message: String
        // No save before the call: the station must not act on an input that is not yet durable (see ``Arrival``).
        if services.notifier.sends(to: notify.endpoint) { try makeInputsDurable(instance) }
        switch await services.notifier.deliver(endpoint: notify.endpoint, body: body, eventID: eventID, at: now) {
        case .notConfigured:
            instance.recordOutputs([.status: .integer(0)], of: step)
            instance.log("skipped", step: step.id, "\(notify.event): no '\(notify.endpoint)' endpoint is configured", at: now)
            return .goto(notify.next)
        case .delivered(let status):
            instance.recordOutputs([.status: .integer(Int64(status))], of: step)
            instance.log("notified", step: step.id, "\(notify.event) delivered (HTTP \(status), attempt \(record.attempts))", at: now)
            return .goto(notify.next)
        case .rejected(let status, let body):
            errorClass = .of(status: status)
            message = "\(notify.event) refused with HTTP \(status): \(body)"
        case .failed(let error):
            errorClass = .of(error)
            message = "\(notify.event) not delivered: \(error)"
        }
        let policy = step.retry ?? .standard
        instance.updateCurrentRecord { $0.lastError = message }
        if let errorClass, policy.retryOn.contains(errorClass), record.attempts < policy.maxAttempts {
            let due = now.adding(policy.delay(beforeAttempt: record.attempts + 1, using: services.random))
            instance.updateCurrentRecord { $0.nextAttemptAt = due }
            instance.log("retry", step: step.id, "\(message); attempt \(record.attempts + 1) at \(due)", at: now)
            return .park(until: due)
        }
        return try failStep(step, &instance, code: .notifyFailed, message: message)
    }
}

extension Value {
    /// The value as the station backend receives it: plain JSON, money as `{"value": minor units, "currency"}`.
    var jsonObject: Any {
        switch self {
        case .integer(let value): value
        case .boolean(let value): value
        case .string(let value): value
        case .money(let money): ["value": money.minorUnits, "currency": money.currency] as [String: Any]
        case .duration(let duration): duration.description
        case .phoneNumber: "<redacted>"
        }
    }
}
