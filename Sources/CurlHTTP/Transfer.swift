import CCurl
import Synchronization

/// One request in flight: the caller's continuation plus the buffers libcurl fills.
///
/// Shared between the calling task and the transfer thread. Only ``cancelRequested`` and ``continuation``
/// cross threads, under ``lock``; the buffers and the easy handle are touched by the transfer thread alone.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    private let lock = Mutex<Shared>(Shared())

    private struct Shared {
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
        var cancelRequested = false
    }

    // Transfer-thread state.
    var easy: EasyHandle?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var bodyBuffer: UnsafeMutableRawBufferPointer?
    var responseBody: [UInt8] = []
    var responseHeaders = HTTPHeaders()
    var httpVersion = "HTTP/1.1"
    var maximumResponseSize = Int.max
    var exceededMaximumSize = false

    init(request: HTTPRequest) {
        self.request = request
    }

    deinit {
        curl_slist_free_all(headerList)
        bodyBuffer?.deallocate()
    }

    /// Stores the continuation that ``finish(_:)`` resumes. Called once, before the transfer is queued.
    func setContinuation(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        lock.withLock { $0.continuation = continuation }
    }

    /// Marks the transfer cancelled; the transfer thread aborts it when it next looks.
    func requestCancellation() {
        lock.withLock { $0.cancelRequested = true }
    }

    var isCancellationRequested: Bool { lock.withLock { $0.cancelRequested } }

    /// Resumes the caller exactly once; later calls do nothing.
    func finish(_ result: Result<HTTPResponse, HTTPClientError>) {
        let continuation = lock.withLock { shared in
            defer { shared.continuation = nil }
            return shared.continuation
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }

    /// Builds an error for this request from what went wrong.
    func error(_ code: HTTPClientError.Code, _ delivery: HTTPClientError.Delivery, curlCode: Int? = nil, detail: String) -> HTTPClientError {
        HTTPClientError(code: code, delivery: delivery, method: request.method.rawValue, url: request.url, curlCode: curlCode, detail: detail)
    }

    // MARK: libcurl callbacks (transfer thread)

    fileprivate func receiveBody(_ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        guard responseBody.count + count <= maximumResponseSize else {
            exceededMaximumSize = true
            return 0  // makes libcurl abort the transfer with CURLE_WRITE_ERROR
        }
        buffer.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            responseBody.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
        }
        return count
    }

    fileprivate func receiveHeaderLine(_ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        buffer.withMemoryRebound(to: UInt8.self, capacity: count) { start in
            let line = UnsafeBufferPointer(start: start, count: count).trimmingHTTPWhitespace()
            if line.starts(with: "HTTP/".utf8) {
                // A new status line (after a 1xx interim response) starts a new header block.
                responseHeaders = HTTPHeaders()
                httpVersion = String(decoding: line.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                let name = String(decoding: line[..<colon], as: UTF8.self)
                let value = String(decoding: line[(colon + 1)...].trimmingHTTPWhitespace(), as: UTF8.self)
                responseHeaders.add(name: name, value: value)
            }
        }
        return count
    }
}

let transferWriteCallback: ccurl_data_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveBody(buffer, size * count)
}

let transferHeaderCallback: ccurl_data_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveHeaderLine(buffer, size * count)
}

extension Collection where Element == UInt8 {
    /// Drops leading and trailing spaces, tabs, CR and LF, as HTTP field parsing requires.
    func trimmingHTTPWhitespace() -> SubSequence {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        let trimmedStart = drop(while: isSpace)
        var end = trimmedStart.endIndex
        var index = trimmedStart.startIndex
        while index != trimmedStart.endIndex {
            if !isSpace(trimmedStart[index]) { end = trimmedStart.index(after: index) }
            index = trimmedStart.index(after: index)
        }
        return trimmedStart[trimmedStart.startIndex..<end]
    }
}
