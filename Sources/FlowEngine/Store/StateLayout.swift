import Crypto

/// Where ``FileInstanceStore`` keeps each kind of file under the state directory:
///
/// ```
/// <state>/instances/<id>.json                   one instance
/// <state>/inbox/<id>/<sha256(signal id)>.json   signals received and not yet absorbed by the instance
/// <state>/definitions/<contentHash>.json        pinned definitions, by content
/// <state>/locks/<id>.lock                       flock target; holds the holder's pid
/// <state>/locks/<id>.meter.lock                 flock target while a first OCPP meter value is checked and stored
/// <state>/corrupt/<id>-<UTC timestamp>.json     files that did not decode, and entries that are not regular
///                                               files (symlinks, FIFOs, directories), moved aside untouched
/// <state>/journal/saves.journal                 group commit: records of saves not yet checkpointed
/// ```
///
/// Only regular files within ``StateFileLimits`` are read, never through a symlink; the root and every
/// subdirectory must belong to the runner and not be writable by others (see `docs/state-directory.md`).
///
/// Paths are built only from validated instance ids, hex content hashes and hex digests of signal ids, so
/// nothing a caller sends can point outside the state directory.
struct StateLayout: Sendable {
    let root: String

    var instances: String { root + "/instances" }
    var inbox: String { root + "/inbox" }
    var definitions: String { root + "/definitions" }
    var locks: String { root + "/locks" }
    var corrupt: String { root + "/corrupt" }
    /// `saves.journal`: group commit's shared journal (see ``SaveJournal``), created by the journal itself.
    var journal: String { root + "/journal" }

    /// Every directory the store owns, created 0700 when the store opens.
    var directories: [String] { [instances, inbox, definitions, locks, corrupt] }

    func instanceFile(_ id: String) -> String { "\(instances)/\(id).json" }
    func inboxDirectory(_ id: String) -> String { "\(inbox)/\(id)" }
    /// Signal ids are the sender's and can contain anything, so the file is named by their digest.
    func signalFile(_ signalID: String, of id: String) -> String {
        "\(inboxDirectory(id))/\(Self.sha256(Array(signalID.utf8))).json"
    }
    func definitionFile(_ contentHash: String) -> String { "\(definitions)/\(contentHash).json" }
    func lockFile(_ id: String) -> String { "\(locks)/\(id).lock" }
    /// Instance ids have no dots, so this never names another instance's ``lockFile(_:)``.
    func meterBindingLockFile(_ id: String) -> String { "\(locks)/\(id).meter.lock" }

    /// The names of `*.json` entries (without the extension) in a listing, skipping temporary files.
    static func jsonStems(_ names: [String]) -> [String] {
        names.compactMap { name in
            guard name.hasSuffix(".json"), !name.hasPrefix(".") else { return nil }
            return String(name.dropLast(5))
        }
    }

    /// Lower-case hex SHA-256.
    static func sha256(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
