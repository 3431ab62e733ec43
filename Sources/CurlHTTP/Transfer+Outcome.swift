import CCurl

extension Transfer {
    /// Turns libcurl's result for this transfer into a response or a typed error.
    ///
    /// This is the one place where curl result codes become ``HTTPClientError`` values.
    func outcome(of result: CURLcode, easy: EasyHandle) -> Result<HTTPResponse, HTTPClientError> {
        if result == CURLE_OK {
            return .success(HTTPResponse(
                status: easy.infoLong(CURLINFO_RESPONSE_CODE),
                headers: responseHeaders,
                body: responseBody,
                httpVersion: httpVersion
            ))
        }
        let sent: HTTPClientError.Delivery = easy.requestMayHaveBeenSent ? .maybeSent : .notSent
        let detail = String(cString: curl_easy_strerror(result))
        let code: HTTPClientError.Code
        var delivery = sent
        switch result {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            (code, delivery) = (.invalidRequest, .notSent)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            (code, delivery) = (.hostNotFound, .notSent)
        case CURLE_COULDNT_CONNECT:
            (code, delivery) = (.connectionRefused, .notSent)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE:
            // The handshake comes before any request byte.
            (code, delivery) = (.tlsFailure, sent)
        case CURLE_OPERATION_TIMEDOUT:
            code = easy.infoInt64(CURLINFO_CONNECT_TIME_T) == 0 && sent == .notSent ? .connectTimeout : .timeout
        case CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            code = .connectionClosed
        case CURLE_SEND_ERROR:
            code = .sendFailed
        case CURLE_RECV_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            code = .receiveFailed
        case CURLE_WRITE_ERROR where exceededMaximumSize:
            return .failure(error(.responseTooLarge, .maybeSent, curlCode: Int(result.rawValue),
                                  detail: "the response body exceeded \(maximumResponseSize) bytes"))
        case CURLE_ABORTED_BY_CALLBACK:
            code = .cancelled
        default:
            code = .other
        }
        return .failure(error(code, delivery, curlCode: Int(result.rawValue), detail: detail))
    }
}

extension EasyHandle {
    /// Whether libcurl got as far as sending the request.
    ///
    /// libcurl stamps the pre-transfer time just before the request goes out, after connecting and the TLS
    /// handshake, for HTTP/1.1 and HTTP/2 alike. Until then nothing has reached the server, so a failure is
    /// safe to retry; from then on the server may have acted on the request.
    var requestMayHaveBeenSent: Bool {
        infoInt64(CURLINFO_PRETRANSFER_TIME_T) > 0
    }
}
