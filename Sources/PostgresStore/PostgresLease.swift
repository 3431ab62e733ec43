import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A lease ``PostgresInstanceStore/lock(_:)`` claimed; releasing it twice is harmless.
struct PostgresLease: InstanceLock {
    let store: PostgresInstanceStore
    let instanceID: String
    let token: String

    func release() { store.release(instanceID, token: token) }
}
