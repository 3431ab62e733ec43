import Foundation

/// Validates a Webhooks API `RegisterRequest` body against the spec: `url` (an absolute URI, https) and `events`
/// (known event types), nothing else (`additionalProperties: false`); every problem is reported.
enum RegisterWebhookRequestValidator {
    static func validate(_ body: JSONValue?) throws(Problem) -> (url: String, events: [String]) {
        var check = FieldValidator()
        guard let root = check.object(body, "body", required: true) else {
            throw Problem.validation(check.details)
        }
        for key in root.keys.sorted() where key != "url" && key != "events" {
            check.fail(key, "Unknown property; a RegisterRequest has only url and events.")
        }
        let url = check.string(root["url"], "url", required: true)
        if let url, let problem = problem(with: url) { check.fail("url", problem) }
        var events: [String] = []
        if let value = root["events"], value != .null {
            if case .array(let items) = value, !items.isEmpty {
                for (index, item) in items.enumerated() {
                    guard let type = item.string else {
                        check.fail("events[\(index)]", "Must be a string, got \(item.typeName).")
                        continue
                    }
                    if !WebhookRegistry.eventTypes.contains(type) {
                        check.fail("events[\(index)]", "Unknown event type '\(type.prefix(100))'; ePayment events are epayments.payment.<created|aborted|expired|cancelled|captured|refunded|authorized|terminated>.v1.")
                    } else if events.contains(type) {
                        check.fail("events[\(index)]", "The event type \(type) is listed twice.")
                    } else {
                        events.append(type)
                    }
                }
            } else {
                check.fail("events", "Must be a non-empty array of event types.")
            }
        } else {
            check.fail("events", "The events field is required.")
        }
        try check.finish()
        return (url ?? "", events)
    }

    /// The spec requires an HTTPS, world-reachable URL. The simulator also takes plain http to a loopback host,
    /// where tests and demos run their receivers.
    static func problem(with url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return "Must be an absolute URL with a host." }
        if components.user != nil || components.password != nil { return "Must not carry credentials." }
        if components.fragment != nil { return "Must not have a fragment." }
        let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        guard scheme == "https" || (scheme == "http" && loopback) else {
            return "The URL must use HTTPS (the simulator also accepts http to a loopback host)."
        }
        return nil
    }
}
