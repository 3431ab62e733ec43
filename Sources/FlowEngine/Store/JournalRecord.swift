import Crypto
import Foundation

/// One entry of the ``SaveJournal``, as it lies in `journal/saves.journal`:
///
/// ```
/// "EVJ1" | payload length (UInt32 LE) | checksum (first 8 bytes of SHA-256 of the payload) | payload
/// payload = kind (1 byte) | boot id length (1) | path length (UInt16 LE) | boot id | path | body
/// ```
///
/// The path is relative to the state directory (`instances/<id>.json`, `inbox/<id>/<digest>.json`); a `put`
/// carries the whole file, `placed` and `removed` carry no body. The boot id (Linux's
/// `/proc/sys/kernel/random/boot_id`) tells replay whether the machine restarted since the record was written:
/// only then can a file written after its record lack its bytes.
struct JournalRecord: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        /// The file's new bytes, durable once the journal is synced past it.
        case put = 1
        /// The file now holds the bytes of the `put` before it (written without a sync of its own).
        case placed = 2
        /// The file was removed (an absorbed signal); an earlier `put` must not bring it back.
        case removed = 3
    }

    var kind: Kind
    var boot: [UInt8]
    var path: String
    var body: [UInt8] = []

    static let magic: [UInt8] = Array("EVJ1".utf8)
    static let headerSize = 16

    func encoded() -> [UInt8] {
        let pathBytes = Array(path.utf8)
        var payload = [UInt8]()
        payload.reserveCapacity(4 + boot.count + pathBytes.count + body.count)
        payload.append(kind.rawValue)
        payload.append(UInt8(min(boot.count, 255)))
        payload.append(UInt8(pathBytes.count & 0xff))
        payload.append(UInt8((pathBytes.count >> 8) & 0xff))
        payload += boot.prefix(255)
        payload += pathBytes
        payload += body
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + payload.count)
        Self.appendLittleEndian(UInt64(payload.count), bytes: 4, to: &bytes)
        bytes += Self.checksum(payload[...])
        bytes += payload
        return bytes
    }

    /// What lies at one offset of a journal.
    enum Parsed: Equatable {
        case record(JournalRecord, end: Int)
        /// A complete record whose checksum does not match: damage, never applied.
        case damaged(end: Int)
        /// Not a record: a partial one (a writer stopped mid-record) or no header at all.
        case invalid
    }

    static func parse(_ bytes: [UInt8], at offset: Int) -> Parsed {
        guard bytes.count - offset >= headerSize, bytes[offset..<offset + 4].elementsEqual(magic) else { return .invalid }
        let length = Int(readLittleEndian(bytes, at: offset + 4, count: 4))
        let start = offset + headerSize
        guard length >= 4, length <= bytes.count - start else { return .invalid }
        let payload = bytes[start..<start + length]
        guard checksum(payload).elementsEqual(bytes[offset + 8..<offset + 16]) else { return .damaged(end: start + length) }
        guard let kind = Kind(rawValue: payload[start]) else { return .damaged(end: start + length) }
        let bootLength = Int(payload[start + 1])
        let pathLength = Int(readLittleEndian(bytes, at: start + 2, count: 2))
        guard 4 + bootLength + pathLength <= length else { return .damaged(end: start + length) }
        let boot = Array(bytes[start + 4..<start + 4 + bootLength])
        let pathStart = start + 4 + bootLength
        let path = String(decoding: bytes[pathStart..<pathStart + pathLength], as: UTF8.self)
        let body = Array(bytes[pathStart + pathLength..<start + length])
        return .record(JournalRecord(kind: kind, boot: boot, path: path, body: body), end: start + length)
    }

    private static func checksum(_ payload: ArraySlice<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: payload).prefix(8))
    }

    private static func appendLittleEndian(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for index in 0..<count { bytes.append(UInt8((value >> (8 * UInt64(index))) & 0xff)) }
    }

    private static func readLittleEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        return value
    }
}
