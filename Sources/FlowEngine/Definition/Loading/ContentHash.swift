import Crypto

extension JSONNode {
    /// Lower-case hex SHA-256 of ``canonicalBytes``: what instances pin so they keep running the definition they
    /// started with.
    package var contentHash: String { Self.contentHash(of: canonicalBytes) }

    /// Lower-case hex SHA-256 of canonical bytes already made: a loaded ``FlowDefinition`` keeps its bytes, so its
    /// hash is computed from them instead of canonicalizing the tree a second time.
    package static func contentHash(of canonicalBytes: [UInt8]) -> String {
        SHA256.hash(data: canonicalBytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
