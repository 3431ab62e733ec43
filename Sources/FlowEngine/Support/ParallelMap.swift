import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` on every core, in order: for the passes over every instance (reading 100,000 outlines, diagnosing
    /// and summarising them for `evflow list`) that are independent per element and otherwise run on one core.
    /// Below `minimum` elements it is a plain `map`, since starting threads would cost more than it saves.
    package func concurrentMap<T: Sendable>(minimum: Int = 2_048, _ transform: @Sendable (Element) -> T) -> [T] {
        guard count >= minimum else { return map(transform) }
        let chunks = Swift.min(64, Swift.max(1, count / 1_024))
        let size = (count + chunks - 1) / chunks
        let parts = Mutex<[[T]]>(Array<[T]>(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (chunk * size)..<Swift.min(count, (chunk + 1) * size)
            let part = self[range].map(transform)
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.flatMap { $0 } }
    }
}
