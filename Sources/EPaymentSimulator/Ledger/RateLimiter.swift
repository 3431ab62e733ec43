import Foundation

/// Sliding one-minute windows per key, as the ePayment rate limits are documented (facts section 11): 5
/// modifications per reference and MSN, 120 reads per reference and subscription key.
struct RateLimiter: Sendable {
    private var windows: [String: [Date]] = [:]

    /// Counts one request for `key`.
    /// - Returns: `nil` when admitted, else the whole seconds until a slot frees (for `Retry-After`).
    mutating func admit(_ key: String, limit: Int, now: Date, window: TimeInterval = 60) -> Int? {
        var times = windows[key, default: []].filter { now.timeIntervalSince($0) < window }
        defer { windows[key] = times }
        guard times.count < limit else {
            let oldest = times.min() ?? now
            return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
        times.append(now)
        return nil
    }
}
