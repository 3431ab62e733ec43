/// A start or a signal that a run in this process is about to absorb, handed to the store that writes it, so that
/// its durability can ride on that run's save instead of costing an fsync of its own.
///
/// Why: at one session in flight nothing else shares a sync, and a session's four inputs (start, the
/// authorization, a reading, the end) each paid one before the run they woke saved again and paid another. A
/// store with group commit (``FileInstanceStore``, through its ``SaveJournal``) calls ``announce`` as soon as the
/// new record is where this process's runs read it (the caller wakes the instance there), and then waits up to
/// ``patience`` for another save's sync to cover the record before syncing it itself. The write still returns only
/// once the record is durable: what changes is who pays the fsync. Stores without group commit call ``announce``
/// once the record is durable.
package struct Arrival: Sendable {
    /// Wakes the run that will absorb the record; called at most once, and only when the record was written (not
    /// for a duplicate signal or an existing instance).
    package var announce: @Sendable () -> Void
    /// How long to wait for another save's sync before syncing alone; zero when no run in this process follows
    /// (a command with no worker loop), so the write syncs at once.
    package var patience: Duration

    package init(announce: @escaping @Sendable () -> Void, patience: Duration) {
        self.announce = announce
        self.patience = patience
    }

    /// The same arrival, doing `work` first when announced: what a store layer does with the new record before the
    /// run it wakes can see it (the file store's cache and index, the metrics' baseline).
    package func announcing(after work: @escaping @Sendable () -> Void) -> Arrival {
        let announce = self.announce
        return Arrival(announce: {
            work()
            announce()
        }, patience: patience)
    }

    /// Nothing to wake, nobody to wait for: the write syncs at once.
    package static let unannounced = Arrival(announce: {}, patience: .zero)

    /// How long a start or signal waits for the run it woke, in a process whose worker loop runs: a little more
    /// than that run takes on this project's 2-core machine when the instance is idle (lock, load, absorb, encode,
    /// append: under a millisecond), with room for an HTTP call to the provider in progress; past it the write
    /// syncs alone, so an instance busy with a slow call costs its signals at most this much latency.
    package static let runPatience: Duration = .milliseconds(5)
}
