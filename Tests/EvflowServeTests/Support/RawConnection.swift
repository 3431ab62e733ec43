import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the server on loopback, for what an HTTP client library will not do: send half a
/// request, stall, or hold a connection open without a request.
final class RawConnection {
    private let descriptor: Int32
    private var closed = false

    /// Connects to 127.0.0.1:`port`.
    init(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) }
        }
        guard result == 0 else {
            let code = errno
            // Through close(), which marks it closed: a class whose init throws once every property is set still
            // runs deinit, and a second close there closed whatever descriptor had reused the number meanwhile (a
            // NIO socket of another test, which then failed with EBADF in a clean-clone make test).
            close()
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    /// Sends `text` (as far as the socket takes it; a closed peer is not an error here).
    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What the server sent until it closed the connection, or until `timeout`; `closed` says which.
    func readUntilClosed(timeout: Duration) async -> (text: String, closed: Bool) {
        await read(timeout: timeout) { _ in false }
    }

    /// What the server sent until `enough` holds for it, the server closed, or `timeout`.
    func read(timeout: Duration, until enough: (String) -> Bool) async -> (text: String, closed: Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while clock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
                if enough(String(decoding: received, as: UTF8.self)) { return (String(decoding: received, as: UTF8.self), false) }
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { return (String(decoding: received, as: UTF8.self), true) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }
}
