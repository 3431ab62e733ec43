import Foundation

extension FileInstanceStore {
    /// Reads the ``InstanceOutline`` of one instance: the same file as ``load(_:)``, several times cheaper to
    /// decode, for listings and recovery over many instances.
    ///
    /// A file the outline cannot be read from goes through ``load(_:)``, so a corrupt file is reported and moved
    /// aside exactly as there (and a file that only the outline misreads still loads).
    /// - Throws: ``StoreError`` as ``load(_:)`` does.
    package func loadOutline(_ id: String) throws(StoreError) -> InstanceOutline {
        try Self.validate(id)
        if let file = try readIfPresent(layout.instanceFile(id), instanceID: id, limit: limits.instance, asideName: { "\(id)-\(Self.timestamp())" }) {
            // The instance this store last wrote or read, if the file still holds exactly its bytes.
            if let instance = decoded.instance(id, matching: file.bytes) { return InstanceOutline(instance) }
            if let outline = try? StateFileCoding.decoder().decode(InstanceOutline.self, from: Data(file.bytes)), outline.id == id {
                return outline
            }
        }
        return InstanceOutline(try load(id))
    }
}
