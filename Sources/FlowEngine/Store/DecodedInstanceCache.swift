import Synchronization

/// The instances a store last wrote or read, each beside the version of the stored document it was made from, so
/// that reading a document still at that version returns the instance without decoding it again. The file store's
/// version is the exact bytes of the file; the PostgreSQL store's is the row's revision and row version (`xmin`).
///
/// Why: a worker runs an instance once per signal or timer, and every run began by decoding the file the
/// previous run had just written (with a 10-hour session's history, a good part of a flow test's time). Now the
/// run reads the file, finds the bytes it wrote, and takes the instance it already has.
///
/// Why it can never serve stale data: an entry is used only when the file read *now* holds byte for byte what
/// the entry was made from, so a write by another process, another store object or a hand edit (anything that
/// changes the file) is a miss and is decoded as before; and each store object (each process) has its own cache.
/// Nothing is trusted from before the read: not a lock, not a timestamp, not an inode number (which ext4 reuses).
/// The file is still read on every load, which is cheap next to decoding it.
///
/// Bounded: at most ``capacity`` instances (the oldest entry goes first), and a finished instance is dropped
/// when it is saved, since nothing runs it again.
package final class DecodedInstanceCache<Version: Equatable & Sendable>: Sendable {
    /// How often the cache spared a decode, and how often it could not.
    package struct Statistics: Sendable, Equatable {
        /// Loads (and outline reads) answered from memory: the file held the bytes the entry was made from.
        package var hits = 0
        /// Loads whose file held other bytes than any entry, or no entry at all: decoded.
        package var misses = 0

        package init(hits: Int = 0, misses: Int = 0) {
            self.hits = hits
            self.misses = misses
        }
    }

    private struct Entry {
        var version: Version
        var instance: FlowInstance
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Ids oldest first, for eviction.
        var order: [String] = []
        var statistics = Statistics()
    }

    /// The most instances kept: enough for every instance a worker runs at once (its threads), few enough that a
    /// worker with 100,000 waiting sessions holds a few megabytes.
    package let capacity: Int
    private let state = Mutex(State())

    package init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// The instance whose stored document was at exactly `version`, if this cache has it.
    package func instance(_ id: String, matching version: Version) -> FlowInstance? {
        state.withLock { state in
            guard let entry = state.entries[id], entry.version == version else {
                state.statistics.misses += 1
                return nil
            }
            state.statistics.hits += 1
            return entry.instance
        }
    }

    /// The version of `id`'s entry, to ask the store for the document only when it changed since.
    package func version(of id: String) -> Version? {
        state.withLock { $0.entries[id]?.version }
    }

    /// Counts a load that had to decode because the store's version check found no entry at the stored version
    /// (the PostgreSQL store asks for the document only then, so ``instance(_:matching:)`` never sees the miss).
    package func countMiss() {
        state.withLock { $0.statistics.misses += 1 }
    }

    /// Remembers that `id`'s document is now at `version`, which decodes to (or was encoded from) `instance`.
    package func remember(_ instance: FlowInstance, version: Version) {
        let id = instance.id
        state.withLock { state in
            if state.entries.updateValue(Entry(version: version, instance: instance), forKey: id) == nil {
                state.order.append(id)
                if state.order.count > capacity {
                    let oldest = state.order.removeFirst()
                    state.entries[oldest] = nil
                }
            }
        }
    }

    /// Forgets `id` (a finished instance, or a write whose outcome is unknown).
    package func forget(_ id: String) {
        state.withLock { state in
            guard state.entries.removeValue(forKey: id) != nil else { return }
            state.order.removeAll { $0 == id }
        }
    }

    package var statistics: Statistics { state.withLock { $0.statistics } }
}
