import CCurl

extension Transfer {
    /// Sets every option of `easy` for this request. Called on the transfer thread.
    func configure(_ easy: EasyHandle, configuration: HTTPClient.Configuration) throws(CurlSetupError) {
        self.easy = easy
        maximumResponseSize = configuration.maximumResponseSize
        let context = Unmanaged.passUnretained(self).toOpaque()

        try easy.setURL(request.url)
        // Signals are not safe in a multi-threaded process; timeouts work without them.
        try easy.setLong(CURLOPT_NOSIGNAL, 1)
        try easy.setLong(CURLOPT_FOLLOWLOCATION, 0)
        try easy.setLong(CURLOPT_TCP_KEEPALIVE, 1)
        try easy.setLong(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        try easy.setString(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.setTimeouts(
            total: request.timeout ?? configuration.timeout,
            connect: request.connectTimeout ?? configuration.connectTimeout
        )
        if let caFile = configuration.caFile {
            try easy.setString(CURLOPT_CAINFO, caFile)
        }
        try easy.setWriteFunction(transferWriteCallback, context: context)
        try easy.setHeaderFunction(transferHeaderCallback, context: context)
        try configureMethodAndBody(easy)
        try configureHeaders(easy, userAgent: configuration.userAgent)
    }

    private func configureMethodAndBody(_ easy: EasyHandle) throws(CurlSetupError) {
        let method = request.method
        if method == .head {
            try easy.setLong(CURLOPT_NOBODY, 1)
            return
        }
        let sendsBody = request.body != nil || method == .post || method == .put || method == .patch
        if sendsBody {
            let bytes = request.body ?? []
            // libcurl reads the body from our buffer while the transfer runs, so it must outlive the transfer.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { buffer.baseAddress!.copyMemory(from: base, byteCount: source.count) }
            }
            bodyBuffer = buffer
            try easy.setBody(buffer.baseAddress!, count: bytes.count)
            if method != .post {
                try easy.setString(CURLOPT_CUSTOMREQUEST, method.rawValue)
            }
        } else if method == .get {
            try easy.setLong(CURLOPT_HTTPGET, 1)
        } else {
            try easy.setString(CURLOPT_CUSTOMREQUEST, method.rawValue)
        }
    }

    private func configureHeaders(_ easy: EasyHandle, userAgent: String) throws(CurlSetupError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for field in request.headers {
            // "Name;" is libcurl's way of sending a header with an empty value.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            list = curl_slist_append(list, line)
        }
        // No "Expect: 100-continue" round trip before large bodies; our servers answer directly.
        if !request.headers.contains("Expect") {
            list = curl_slist_append(list, "Expect:")
        }
        if !request.headers.contains("User-Agent") {
            try easy.setString(CURLOPT_USERAGENT, userAgent)
        }
        headerList = list
        try easy.setHeaderList(list)
    }
}
