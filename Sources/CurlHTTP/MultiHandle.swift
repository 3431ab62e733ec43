import CCurl

/// Owns the curl multi handle. Only the transfer thread calls it, except ``wakeUp()``, which libcurl documents
/// as safe to call from any thread.
final class MultiHandle: @unchecked Sendable {
    private let raw: UnsafeMutableRawPointer

    init(configuration: HTTPClient.Configuration) {
        _ = curlGlobalInit
        guard let raw = curl_multi_init() else { fatalError("curl_multi_init failed: libcurl is out of memory") }
        self.raw = raw
        _ = ccurl_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maximumConnectionsPerHost)
        _ = ccurl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, configuration.maximumIdleConnections)
        // HTTP/2 multiplexing over one connection where the server offers it through ALPN.
        _ = ccurl_multi_setopt_long(raw, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
    }

    deinit { curl_multi_cleanup(raw) }

    func add(_ easy: EasyHandle) -> Bool { curl_multi_add_handle(raw, easy.raw) == CURLM_OK }

    func remove(_ easy: EasyHandle) { curl_multi_remove_handle(raw, easy.raw) }

    /// Moves every transfer forward as far as it can go without blocking.
    func perform() {
        var running: Int32 = 0
        while curl_multi_perform(raw, &running) == CURLM_CALL_MULTI_PERFORM {}
    }

    /// The transfers that finished since the last call, with their easy handle and result.
    func completed() -> [(handle: UnsafeMutableRawPointer, result: CURLcode)] {
        var done: [(UnsafeMutableRawPointer, CURLcode)] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(raw, &remaining) {
            if message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle {
                done.append((handle, message.pointee.data.result))
            }
        }
        return done
    }

    /// Blocks until a socket is ready, curl's next timeout is due, ``wakeUp()`` is called, or `milliseconds` pass.
    func poll(milliseconds: Int32) {
        var ready: Int32 = 0
        _ = curl_multi_poll(raw, nil, 0, milliseconds, &ready)
    }

    /// Interrupts ``poll(milliseconds:)`` from another thread.
    func wakeUp() { _ = curl_multi_wakeup(raw) }
}
