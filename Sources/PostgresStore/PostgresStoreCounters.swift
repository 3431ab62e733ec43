import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// What the store counts, for statistics and `/metrics`.
final class PostgresStoreCounters: Sendable {
    let writes = Atomic<Int>(0)
    let takeovers = Atomic<Int>(0)
    let fencingRejections = Atomic<Int>(0)
}
