import Crypto
import Foundation

/// The fingerprint of an instance's inputs that lets a repeated start with the same id be recognised (and one with
/// other inputs refused) without keeping what the fingerprint was made of.
///
/// Format `v2:<salt>:<mac>`: a random 16-byte salt per instance and HMAC-SHA256(salt, sorted-keys JSON of the
/// inputs *without* phone numbers). Phone numbers are left out because no fast function of one can be stored
/// safely: Norway has about 10^8 numbers, so any salted hash stored beside its salt is brute-forced in seconds.
/// While the instance still holds its phone numbers (before the payment exists) they are compared directly;
/// afterwards they are gone, and a repeated start that differs only in the phone number is recognised as the same
/// session (its payment already exists for the first number).
///
/// State files written before this format hold an unsalted SHA-256 over every input, phone numbers included;
/// they are compared as they were written.
package struct InputDigest: Sendable, Hashable {
    package let stored: String

    package init(stored: String) { self.stored = stored }

    /// A fresh digest of `inputs` with a new random salt.
    package static func make(of inputs: [String: Value]) -> InputDigest {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return InputDigest(stored: "v2:\(hex(salt)):\(hex(mac(of: inputs, salt: salt)))")
    }

    /// Whether `inputs` are the inputs this digest was made of (as far as the instance still knows them).
    /// - Parameter kept: the inputs the instance still holds, to compare phone numbers while it has them.
    package func matches(_ inputs: [String: Value], kept: [String: Value]) -> Bool {
        let parts = stored.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v2", let salt = Self.bytes(fromHex: parts[1]), let expected = Self.bytes(fromHex: parts[2]) else {
            return Self.legacy(of: inputs) == stored
        }
        let phones = { (values: [String: Value]) in values.filter { if case .phoneNumber = $0.value { true } else { false } } }
        let keptPhones = phones(kept)
        if !keptPhones.isEmpty, keptPhones != phones(inputs) { return false }
        let actual = Self.mac(of: inputs, salt: salt)
        guard actual.count == expected.count else { return false }
        return zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func mac(of inputs: [String: Value], salt: [UInt8]) -> [UInt8] {
        let withoutPhones = inputs.filter { if case .phoneNumber = $0.value { false } else { true } }
        return Array(HMAC<SHA256>.authenticationCode(for: canonical(withoutPhones), using: SymmetricKey(data: salt)))
    }

    /// The digest of state files written before `v2`.
    private static func legacy(of inputs: [String: Value]) -> String {
        hex(Array(SHA256.hash(data: canonical(inputs))))
    }

    private static func canonical(_ inputs: [String: Value]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(inputs)) ?? Data()
    }

    private static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private static func bytes(fromHex text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0, !text.isEmpty else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
