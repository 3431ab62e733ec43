import Crypto

/// Turns the text a definition derives for a payment reference into one ePayment accepts
/// (`^[a-zA-Z0-9-]{8,64}$`), deterministically, so a retry after a crash derives the same reference.
enum PaymentReference {
    static func make(from text: String) -> String {
        let allowed = text.unicodeScalars.map { scalar -> Character in
            let ok = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
            return ok ? Character(scalar) : "-"
        }
        var reference = String(allowed)
        if reference.count < 8 || reference.count > 64 || reference != text {
            // Changed, too short or too long: keep it recognisable and make it unique with a digest of the original.
            let digest = SHA256.hash(data: Array(text.utf8)).prefix(8).map { byte in
                (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }.joined()
            reference = String(reference.prefix(47)) + "-" + digest
        }
        return reference
    }
}

/// The reserved signal through which webhook events about an instance's payment reach it.
package enum PaymentUpdate {
    package static let signalName = "$payment"
}
