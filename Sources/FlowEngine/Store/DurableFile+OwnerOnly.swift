extension DurableFile {
    /// Replaces (or creates) `path` with `bytes` the way state files are written: mode 0600, atomically (a crash
    /// leaves the old content or the new, never a mix) and durably. For files outside the store that hold or
    /// accompany a secret, such as the webhook secret `evflow webhooks register` writes.
    /// - Throws: an error naming the system call, the path and the errno.
    package static func replaceOwnerOnly(_ path: String, with bytes: [UInt8]) throws {
        try DurableFile(counters: StoreCounters(), faults: nil).replace(path, with: bytes)
    }
}
