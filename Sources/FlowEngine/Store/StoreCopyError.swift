/// Why `evflow store copy` stopped, with the instance or store concerned and what to do.
package struct StoreCopyError: Error, Sendable, CustomStringConvertible {
    package enum Code: Sendable, Equatable {
        /// A store could not be opened.
        case unopenable
        /// A worker holds an instance's lock in the source.
        case locked
        /// A store refused a read or write.
        case store
        /// The target does not read back what was copied, or holds a different definition under the same hash.
        case mismatch
    }

    package var code: Code
    package var instanceID: String?
    package var description: String

    static func unopenable(role: String, location: StoreLocation, detail: String) -> StoreCopyError {
        StoreCopyError(code: .unopenable, description: "cannot open the \(role) store \(location): \(detail)")
    }

    static func locked(instanceID: String, holder: LockHolder?, source: StoreLocation) -> StoreCopyError {
        StoreCopyError(code: .locked, instanceID: instanceID, description: """
            instance \(InstanceID.printable(instanceID)) in \(source) is locked by \(holder?.description ?? "a worker"): \
            a worker is running; stop every evflow worker (serve, run) on the source, then copy again (nothing was \
            copied after this instance; what was copied before it stays and is skipped next time)
            """)
    }

    static func store(_ error: StoreError, location: StoreLocation) -> StoreCopyError {
        StoreCopyError(code: .store, instanceID: error.instanceID, description: "\(location): \(error)")
    }

    static func mismatch(what: String, target: StoreLocation) -> StoreCopyError {
        StoreCopyError(code: .mismatch, description: """
            verification failed: \(what) in the target \(target) differs from the source or is missing; the source \
            is unchanged: check that no worker uses the target yet, then copy again
            """)
    }
}
