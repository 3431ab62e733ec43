import Dispatch
import Synchronization

extension InstanceStore {
    /// Reads the outlines of `ids` on every core: what a worker and serve's index do at start-up, where reading
    /// and parsing 100,000 files one at a time took most of the time to become ready.
    /// - Returns: each id's outline, or the error reading it gave (corrupt files are set aside as by ``loadOutline(_:)``).
    package func loadOutlines(_ ids: [String]) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
        guard ids.count > 64 else { return ids.map { id in (id, Result { () throws(StoreError) in try loadOutline(id) }) } }
        let chunks = min(ids.count / 32, 64)
        let results = Mutex<[[(id: String, outline: Result<InstanceOutline, StoreError>)]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var part: [(id: String, outline: Result<InstanceOutline, StoreError>)] = []
            var index = chunk
            while index < ids.count {
                let id = ids[index]
                part.append((id, Result { () throws(StoreError) in try loadOutline(id) }))
                index += chunks
            }
            results.withLock { $0[chunk] = part }
        }
        return results.withLock { $0.flatMap { $0 } }
    }
}
