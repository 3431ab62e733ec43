import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of the outline index (``OutlineIndex``): an instance's ``InstanceOutline`` and the stamp of the file
/// version it was taken from.
///
/// Why a stamp: the instance file is the truth and the index only a copy, so after a machine crash (when
/// un-synced index lines may be lost) every entry is checked against its file by `stat` alone, and only the
/// files whose stamp changed are decoded again.
struct OutlineRecord: Codable, Sendable, Equatable {
    var id: String
    var flow: FlowInstance.PinnedDefinition
    var status: InstanceStatus
    var createdAt: Date
    var updatedAt: Date
    var currentStep: String?
    var wakeAt: Date?
    var payment: PaymentSummary?
    var failure: FlowInstance.Failure?
    var lastStep: StepRecord?
    /// Sorted, so equal outlines give equal lines.
    var seenSignalIDs: [String]
    var unconfirmedReservation: String?
    var unsettledOperatorRefund: OperatorRefund?
    var file: FileStamp

    init(_ outline: InstanceOutline, file: FileStamp) {
        id = outline.id
        flow = outline.flow
        status = outline.status
        createdAt = outline.createdAt
        updatedAt = outline.updatedAt
        currentStep = outline.currentStep
        wakeAt = outline.wakeAt
        payment = outline.payment
        failure = outline.failure
        lastStep = outline.lastStep
        seenSignalIDs = outline.seenSignalIDs.sorted()
        unconfirmedReservation = outline.unconfirmedReservation
        unsettledOperatorRefund = outline.unsettledOperatorRefund
        self.file = file
    }

    var outline: InstanceOutline { InstanceOutline(record: self) }
}

/// Which version of an instance file an index entry describes: every save replaces the file by a rename, so a
/// new version has a new inode, and with size and modification time a reused inode is told apart too.
struct FileStamp: Codable, Sendable, Equatable, CustomStringConvertible {
    var inode: UInt64
    var size: Int64
    /// Modification time in nanoseconds since 1970.
    var modified: Int64

    /// The stamp of the entry at `path` (not following a link), or `nil` when there is none.
    init?(path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        #if canImport(Darwin)
        modified = Int64(status.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(status.st_mtimespec.tv_nsec)
        #else
        modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        #endif
    }

    init(inode: UInt64, size: Int64, modified: Int64) {
        self.inode = inode
        self.size = size
        self.modified = modified
    }

    var description: String { "inode \(inode), \(size) bytes, modified \(modified) ns" }
}

extension InstanceOutline {
    /// The outline an index entry holds.
    init(record: OutlineRecord) {
        id = record.id
        flow = record.flow
        status = record.status
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        currentStep = record.currentStep
        wakeAt = record.wakeAt
        payment = record.payment
        failure = record.failure
        lastStep = record.lastStep
        seenSignalIDs = Set(record.seenSignalIDs)
        unconfirmedReservation = record.unconfirmedReservation
        unsettledOperatorRefund = record.unsettledOperatorRefund
    }
}
