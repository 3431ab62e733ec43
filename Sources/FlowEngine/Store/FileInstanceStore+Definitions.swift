/// Definitions are stored by content: `definitions/<contentHash>.json` holds the canonical bytes whose SHA-256
/// is the name, so a file can be checked against its name when it is read back.
extension FileInstanceStore {
    /// Stores the bytes once: 1 durable write and 2 fsyncs the first time, nothing when already stored.
    /// - Throws: ``StoreError/Code/invalidID`` when `contentHash` is not the lower-case hex SHA-256 of `bytes`.
    package func saveDefinition(_ bytes: [UInt8], contentHash: String) throws(StoreError) {
        try StoreError.checkContentHash(contentHash)
        let actual = JSONNode.contentHash(of: bytes)
        guard actual == contentHash else {
            throw StoreError(.invalidID, instanceID: nil, path: layout.definitionFile(contentHash), detail: "the definition's bytes hash to \(actual), not to the content hash \(contentHash) they were to be stored under")
        }
        let path = layout.definitionFile(contentHash)
        try Self.check(bytes.count, limit: limits.definition, instanceID: nil, path: path)
        for _ in 0..<3 {
            do throws(FileSystemError) {
                if try files.create(path, with: bytes) { return }
            } catch {
                throw StoreError(error, instanceID: nil)
            }
            // Already there: loading checks it, and moves a damaged copy aside so the next pass writes a good one.
            do throws(StoreError) {
                if try loadDefinition(contentHash: contentHash) != nil { return }
            } catch where error.code == .corrupt {
                continue
            }
        }
    }

    /// - Returns: the stored bytes, or `nil` when no definition has that hash.
    /// - Throws: ``StoreError/Code/corrupt`` when the file's content no longer matches its hash (it is moved to
    ///   `corrupt/definition-<hash>-<timestamp>.json`).
    package func loadDefinition(contentHash: String) throws(StoreError) -> [UInt8]? {
        try StoreError.checkContentHash(contentHash)
        let path = layout.definitionFile(contentHash)
        for _ in 0..<3 {
            guard let file = try readIfPresent(path, instanceID: nil, limit: limits.definition, asideName: { "definition-\(contentHash)-\(Self.timestamp())" }) else { return nil }
            let actual = JSONNode.contentHash(of: file.bytes)
            if actual == contentHash { return file.bytes }
            if let moved = try quarantine(path, identity: file.identity, name: "definition-\(contentHash)-\(Self.timestamp())", instanceID: nil) {
                throw StoreError(.corrupt, instanceID: nil, path: path, quarantinedTo: moved, detail: "the stored definition's content hashes to \(actual), not to its name; instances pinned to it cannot continue until the original definition is saved again")
            }
        }
        return nil
    }
}
