import Foundation

/// How long after authorization the provider lets a payment be captured or cancelled, by currency: after that the
/// provider cancels it automatically and both capture and cancel are refused (HTTP 400), so a session a stuck flow
/// still holds is lost to the merchant.
///
/// The provider's rule (ePayment API guide, "Capture": capture deadline after reservation; see
/// `../shared/reference/ev-charging-facts.md` §2 and `epayment-facts.md` §12): Norway (Vipps, NOK) 180 days, Denmark
/// and Finland (MobilePay, DKK and EUR) 14 days. Card schemes may hold the money for less (Visa 7 days), and a sales
/// unit may have its own agreement, so a deployment can shorten or change them: ``EvflowConfiguration/captureWindows``,
/// or `EVFLOW_CAPTURE_WINDOWS=NOK=7d,DKK=7d` for the CLI and `evflow serve`.
public struct CaptureWindows: Sendable, Equatable {
    /// The window of each currency (ISO 4217).
    public var byCurrency: [String: Duration]

    /// - Parameter byCurrency: windows by currency; a currency it lacks gets the shortest window given (or 14 days).
    public init(byCurrency: [String: Duration]) {
        self.byCurrency = byCurrency
    }

    /// The provider's windows: NOK 180 days, DKK and EUR 14 days.
    public static let provider = CaptureWindows(byCurrency: ["NOK": .seconds(180 * 86_400), "DKK": .seconds(14 * 86_400), "EUR": .seconds(14 * 86_400)])

    /// How close to its deadline a payment that still holds money is flagged (`list --status stuck`, `/metrics`).
    package static let warning: TimeInterval = 48 * 3600

    /// The window of `currency`: its own, else the shortest one known (a currency nobody configured is treated as
    /// the strictest market rather than given the longest window).
    package func window(for currency: String) -> TimeInterval {
        if let window = byCurrency[currency] { return window.seconds }
        return byCurrency.values.map(\.seconds).min() ?? 14 * 86_400
    }

    /// When the provider cancels the payment unless it is captured or released: its authorization time plus the
    /// window of its currency; `nil` while it was never authorized.
    /// - Parameter startedAt: when the instance started, the authorization time of a payment that records none (it
    ///   was adopted, or recorded by a version before ``PaymentSummary/authorizedAt``): never later than the real one.
    package func deadline(of payment: PaymentSummary, startedAt: Date) -> Date? {
        guard payment.authorized > 0 || payment.authorizedAt != nil else { return nil }
        return (payment.authorizedAt ?? startedAt).addingTimeInterval(window(for: payment.currency))
    }

    /// Whether the payment still holds the customer's money: authorized, with some neither captured nor released.
    package static func holdsMoney(_ payment: PaymentSummary) -> Bool {
        payment.state == "AUTHORIZED" && payment.held > 0
    }

    /// Reads `NOK=180d,DKK=14d` (durations as in definitions: `d`, `h`, `m`, `s`) over the provider's windows.
    /// - Throws: ``FlowError`` `.invalidInput` naming the part that does not read.
    package static func parse(_ text: String, variable: String) throws -> CaptureWindows {
        var windows = provider
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2, pieces[0].count == 3, pieces[0].allSatisfy({ $0.isASCII && $0.isUppercase }),
                  let duration = FlowDuration(parsing: pieces[1]), duration.milliseconds > 0 else {
                throw FlowError(.invalidInput, detail: "\(variable): '\(part)' is not CURRENCY=duration; write for example \(variable)=NOK=180d,DKK=14d,EUR=14d")
            }
            windows.byCurrency[pieces[0]] = .milliseconds(duration.milliseconds)
        }
        return windows
    }
}

extension Duration {
    /// Whole and fractional seconds.
    fileprivate var seconds: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
