import Synchronization

/// The instances a ``FileInstanceStore`` last wrote or read, each beside the exact bytes of its file, so that
/// reading a file that still holds those bytes returns the instance without decoding it again.
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
final class DecodedInstanceCache: Sendable {
    /// How often the cache spared a decode, and how often it could not.
    struct Statistics: Sendable, Equatable {
        /// Loads (and outline reads) answered from memory: the file held the bytes the entry was made from.
        var hits = 0
        /// Loads whose file held other bytes than any entry, or no entry at all: decoded.
        var misses = 0
    }

    private struct Entry {
        var bytes: [UInt8]
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
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// The instance whose file held exactly `bytes`, if this cache has it.
    func instance(_ id: String, matching bytes: [UInt8]) -> FlowInstance? {
        state.withLock { state in
            guard let entry = state.entries[id], entry.bytes == bytes else {
                state.statistics.misses += 1
                return nil
            }
            state.statistics.hits += 1
            return entry.instance
        }
    }

    /// Remembers that `id`'s file now holds `bytes`, which decode to (or were encoded from) `instance`.
    func remember(_ instance: FlowInstance, bytes: [UInt8]) {
        let id = instance.id
        state.withLock { state in
            if state.entries.updateValue(Entry(bytes: bytes, instance: instance), forKey: id) == nil {
                state.order.append(id)
                if state.order.count > capacity {
                    let oldest = state.order.removeFirst()
                    state.entries[oldest] = nil
                }
            }
        }
    }

    /// Forgets `id` (a finished instance, or a write whose outcome is unknown).
    func forget(_ id: String) {
        state.withLock { state in
            guard state.entries.removeValue(forKey: id) != nil else { return }
            state.order.removeAll { $0 == id }
        }
    }

    var statistics: Statistics { state.withLock { $0.statistics } }
}
