import Foundation

/// What `evflow fsck` found in a store: every difference between the instance records, their index, their inboxes
/// and the definitions they are pinned to, each with what `--repair` does about it.
package struct StoreCheck: Sendable, Encodable {
    /// One difference.
    package struct Difference: Sendable, Equatable, Encodable, CustomStringConvertible {
        /// The kinds of difference, as `fsck --json` names them.
        package enum Kind: String, Sendable, Encodable, CaseIterable {
            /// An instance file that does not decode (or is not a regular file).
            case unreadableInstance
            /// The index is missing, damaged, of another format version, or for another instances folder.
            case indexUnusable
            /// The machine restarted since the index was compacted: lines may have been lost.
            case indexUnverified
            /// An instance with no entry in the index.
            case indexMissingEntry
            /// An index entry for an instance that has no file.
            case indexExtraEntry
            /// An index entry whose outline or file stamp is not the file's.
            case indexStaleEntry
            /// A save began long ago and never recorded its outline (its process died).
            case indexAbandonedSave
            /// An inbox for an instance that does not exist.
            case orphanedInbox
            /// A signal file that does not decode.
            case unreadableSignal
            /// A pinned definition an instance refers to is not stored.
            case missingDefinition
            /// A temporary file left by a write that crashed.
            case temporaryFile
        }

        package var kind: Kind
        package var instanceID: String?
        package var path: String
        package var detail: String
        /// What `--repair` does, or why it cannot.
        package var repair: String
        /// Whether `--repair` fixes it.
        package var repairable: Bool

        package init(_ kind: Kind, instanceID: String?, path: String, detail: String, repair: String, repairable: Bool = true) {
            self.kind = kind
            self.instanceID = instanceID
            self.path = path
            self.detail = detail
            self.repair = repair
            self.repairable = repairable
        }

        package var description: String {
            "\(kind.rawValue): \(instanceID.map { InstanceID.printable($0) + ": " } ?? "")\(detail) (\(path)); repair: \(repair)"
        }
    }

    /// How many instance records were checked.
    package var instances: Int
    package var differences: [Difference]
    /// What a repair did, one line per action; empty without `--repair`.
    package var repaired: [String] = []

    package init(instances: Int, differences: [Difference], repaired: [String] = []) {
        self.instances = instances
        self.differences = differences
        self.repaired = repaired
    }
}

extension InstanceStore {
    /// A store without files of its own to compare checks that every record reads; nothing is repaired.
    package func checkConsistency(repair: Bool, progress: (_ done: Int, _ total: Int) -> Void) throws(StoreError) -> StoreCheck {
        let outlines = try allOutlines()
        let differences = outlines.compactMap { id, result -> StoreCheck.Difference? in
            guard case .failure(let error) = result, error.code != .notFound else { return nil }
            return .init(.unreadableInstance, instanceID: id, path: error.path ?? id, detail: error.detail, repair: "set aside by the store when read", repairable: false)
        }
        progress(outlines.count, outlines.count)
        return StoreCheck(instances: outlines.count, differences: differences)
    }
}
