import Foundation
import Testing

/// The shipped EV-charging flow, changed only where a test must not wait as long as production does.
package enum ShippedFlows {
    /// How `flows/ev-charging.json` polls an unapproved payment.
    package static let shippedPoll = #"{ "firstAfter": "5s", "every": "2s" }"#
    /// The provider's fastest allowed polling.
    package static let fastPoll = #"{ "firstAfter": "1s", "every": "1s" }"#

    /// `flows/ev-charging.json` with `poll` as its authorization polling and, when given, `captureAttempts` as the
    /// capture step's `maxAttempts` (1: a failing capture gives up at once, so an operator has something to retry).
    /// - Throws: when the shipped file no longer has the settings replaced (update this fixture with it).
    package static func evCharging(poll: String = fastPoll, captureAttempts: Int? = nil,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        var text = try String(contentsOf: Repository.path("flows/ev-charging.json"), encoding: .utf8)
        let shipped = #""poll": \#(shippedPoll)"#
        try #require(text.contains(shipped), "flows/ev-charging.json changed its poll settings; update ShippedFlows", sourceLocation: sourceLocation)
        text = text.replacingOccurrences(of: shipped, with: #""poll": \#(poll)"#)
        if let captureAttempts {
            let capture = try #require(text.range(of: #""id": "capture""#), sourceLocation: sourceLocation)
            let attempts = try #require(text.range(of: #""maxAttempts": 10"#, range: capture.upperBound..<text.endIndex),
                                        "the capture step no longer retries 10 times; update ShippedFlows", sourceLocation: sourceLocation)
            text.replaceSubrange(attempts, with: #""maxAttempts": \#(captureAttempts)"#)
        }
        return text
    }

    /// A new temporary folder holding ``evCharging(poll:captureAttempts:sourceLocation:)`` as `ev-charging.json`;
    /// the caller removes it (``TemporaryFolder/remove(_:)``).
    package static func evChargingFolder(poll: String = fastPoll, captureAttempts: Int? = nil,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let text = try evCharging(poll: poll, captureAttempts: captureAttempts, sourceLocation: sourceLocation)
        let folder = try TemporaryFolder.make("evflow-flows")
        try text.write(to: folder.appending(path: "ev-charging.json"), atomically: true, encoding: .utf8)
        return folder
    }
}
