/// The largest state files ``FileInstanceStore`` writes and reads back, per kind of file.
///
/// Why limits at all: a read takes the whole file into memory, so without one, a symlink to `/dev/zero` or a
/// sparse 3 GB file dropped into the state directory exhausted memory and aborted `evflow list` and every worker.
/// A file above its limit is refused before any byte of it is read, and set aside in `corrupt/` like a file that
/// does not decode. The same limit applies to writes, so the store never writes a file it would refuse to read.
///
/// The defaults are far above what a session produces (a 10-hour session with a meter reading every minute is
/// a few hundred KiB) and above the largest request `evflow serve` accepts (`--max-body`, at most 16 MiB), so a
/// signal that was accepted can always be stored and absorbed. They are documented in `docs/state-directory.md`.
package struct StateFileLimits: Sendable, Equatable {
    /// `instances/<id>.json`: 64 MiB by default (an instance holds the signals it consumed).
    package var instance: Int
    /// `inbox/<id>/<digest>.json`: 32 MiB by default (one signal, at most one request body).
    package var signal: Int
    /// `definitions/<hash>.json`: 16 MiB by default (one flow definition).
    package var definition: Int

    package init(instance: Int, signal: Int, definition: Int) {
        self.instance = instance
        self.signal = signal
        self.definition = definition
    }

    /// The limits every store uses unless a test asks for smaller ones.
    package static let standard = StateFileLimits(instance: 64 << 20, signal: 32 << 20, definition: 16 << 20)
}
