import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP listener on 127.0.0.1 for failure modes a well-behaved HTTP server never produces:
/// closing mid-response, answering nothing, or never accepting at all.
final class RawSocketServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let thread: Thread?

    /// Listens and, when `handler` is given, accepts connections on a thread and passes each socket to it.
    /// Without a handler the server never accepts, so its tiny backlog fills and new connects hang.
    init(backlog: Int32 = 16, handler: (@Sendable (Int32) -> Void)?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, backlog) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        if let handler {
            let thread = Thread {
                while true {
                    let client = accept(fd, nil, nil)
                    if client < 0 { return }
                    Thread { handler(client) }.start()
                }
            }
            thread.start()
            self.thread = thread
        } else {
            thread = nil
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Reads until the end of the request headers (good enough for requests without a body).
    static func readRequestHead(_ fd: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.ends(with: Array("\r\n\r\n".utf8)) {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { return }
            received.append(contentsOf: buffer[0..<count])
        }
    }

    static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
