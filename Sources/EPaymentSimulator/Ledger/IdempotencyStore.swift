/// Remembers the result of every successful POST by Idempotency-Key, so a retry gets the same answer without a
/// second effect (facts section 14).
///
/// Keys are scoped per merchant (MSN) and operation, and per reference for modifications. Only successful results
/// are stored: a refused request changed nothing, so repeating it is evaluated afresh.
struct IdempotencyStore: Sendable {
    struct Scope: Hashable, Sendable {
        var msn: String
        var operation: String
        var reference: String?
        var key: String
    }

    enum Lookup: Sendable {
        /// Never seen: perform the operation.
        case miss
        /// Seen with an identical body: send back the stored response.
        case replay(WireResponse)
        /// Seen with a different body: refuse.
        case conflict
    }

    private var entries: [Scope: (fingerprint: String, response: WireResponse)] = [:]

    func lookup(_ scope: Scope, fingerprint: String) -> Lookup {
        guard let entry = entries[scope] else { return .miss }
        return entry.fingerprint == fingerprint ? .replay(entry.response) : .conflict
    }

    mutating func record(_ scope: Scope, fingerprint: String, response: WireResponse) {
        entries[scope] = (fingerprint, response)
    }
}

/// A response as bytes, exactly as sent, so an idempotent replay is byte-for-byte identical.
struct WireResponse: Sendable, Hashable {
    var status: Int
    var body: [UInt8]
    var contentType: String = "application/json"
    var headers: [String: String] = [:]
}
