import CCurl

/// Owns one curl easy handle. Not `Sendable`: only the transfer thread touches it.
///
/// Intention-named setters keep option codes and argument kinds together in one place, as
/// swift-corelibs-foundation's `_EasyHandle` does.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer

    init() {
        _ = curlGlobalInit
        guard let raw = curl_easy_init() else {
            fatalError("curl_easy_init failed: libcurl is out of memory")
        }
        self.raw = raw
    }

    deinit { curl_easy_cleanup(raw) }

    /// Clears every option but keeps live connections and caches, so a pooled handle starts fresh.
    func reset() { curl_easy_reset(raw) }

    func setURL(_ url: String) throws(CurlSetupError) { try check(ccurl_easy_setopt_string(raw, CURLOPT_URL, url), "URL") }
    func setLong(_ option: CURLoption, _ value: Int) throws(CurlSetupError) {
        try check(ccurl_easy_setopt_long(raw, option, value), "option \(option.rawValue)")
    }
    func setString(_ option: CURLoption, _ value: String) throws(CurlSetupError) {
        try check(ccurl_easy_setopt_string(raw, option, value), "option \(option.rawValue)")
    }
    func setPointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) throws(CurlSetupError) {
        try check(ccurl_easy_setopt_pointer(raw, option, value), "option \(option.rawValue)")
    }
    func setHeaderList(_ list: UnsafeMutablePointer<curl_slist>?) throws(CurlSetupError) {
        try check(ccurl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list), "headers")
    }
    func setBody(_ bytes: UnsafeMutableRawPointer, count: Int) throws(CurlSetupError) {
        try check(ccurl_easy_setopt_int64(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(count)), "body size")
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_POSTFIELDS, bytes), "body")
    }
    func setWriteFunction(_ function: ccurl_data_callback, context: UnsafeMutableRawPointer) throws(CurlSetupError) {
        try check(ccurl_easy_setopt_data_callback(raw, CURLOPT_WRITEFUNCTION, function), "write function")
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, context), "write data")
    }
    func setHeaderFunction(_ function: ccurl_data_callback, context: UnsafeMutableRawPointer) throws(CurlSetupError) {
        try check(ccurl_easy_setopt_data_callback(raw, CURLOPT_HEADERFUNCTION, function), "header function")
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_HEADERDATA, context), "header data")
    }
    func setTimeouts(total: Duration, connect: Duration) throws(CurlSetupError) {
        try setLong(CURLOPT_TIMEOUT_MS, max(1, total.milliseconds))
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, max(1, connect.milliseconds))
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        _ = ccurl_easy_getinfo_long(raw, info, &value)
        return value
    }
    func infoInt64(_ info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        _ = ccurl_easy_getinfo_int64(raw, info, &value)
        return Int64(value)
    }

    private func check(_ code: CURLcode, _ what: String) throws(CurlSetupError) {
        guard code == CURLE_OK else {
            throw CurlSetupError(what: what, message: String(cString: curl_easy_strerror(code)))
        }
    }
}

/// A curl option was refused; becomes ``HTTPClientError/Code/invalidRequest``.
struct CurlSetupError: Error {
    var what: String
    var message: String
}

/// libcurl's process-wide initialisation, run once before the first handle is made.
let curlGlobalInit: Void = {
    let code = ccurl_global_init_all()
    precondition(code == CURLE_OK, "curl_global_init failed with code \(code.rawValue)")
}()

extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive duration never becomes "no timeout".
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
