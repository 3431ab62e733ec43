import ArgumentParser
import FlowEngine

/// How the demo's customer reaches the payment: the three journeys the shipped EV flows cover.
enum DemoJourney: String, CaseIterable, ExpressibleByArgument {
    /// `ev-charging`: the customer's phone gets a push message (the phone number is known up front).
    case push
    /// `ev-charging-landing-page`: a QR code on the charger opens the operator's landing page, which starts the
    /// session and sends the customer's browser to the payment's link (`WEB_REDIRECT`).
    case landingPage = "landing-page"
    /// `ev-charging-qr`: the charger shows the payment's link as a QR code (`userFlow: QR`).
    case qr

    /// The shipped flow the journey runs.
    var flow: String {
        switch self {
        case .push: "ev-charging"
        case .landingPage: "ev-charging-landing-page"
        case .qr: "ev-charging-qr"
        }
    }

    /// The journey's own inputs, beside the tariff.
    var inputs: [String: Value] {
        switch self {
        case .push: ["phoneNumber": .phoneNumber("4712345678")]
        case .landingPage: ["returnUrl": .string("https://charge.example.com/demo/return")]
        case .qr: [:]
        }
    }

    /// What the provider's CREATED means for the customer.
    var created: String {
        switch self {
        case .push: "the customer gets a push message"
        case .landingPage: "the landing page sends the customer's browser to the payment link"
        case .qr: "the charger shows the payment link as a QR code"
        }
    }

    /// Who hands the customer the link, for the timeline.
    var linkHolder: String {
        switch self {
        case .push: "provider"
        case .landingPage: "landing page"
        case .qr: "charger screen"
        }
    }

    /// How the link reaches the customer, for the timeline.
    var linkVerb: String {
        switch self {
        case .push: "sends"
        case .landingPage: "redirects the customer's browser to"
        case .qr: "shows a QR code of"
        }
    }
}
