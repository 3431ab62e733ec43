import CurlHTTP
import Foundation
import Logging
import Synchronization
import Testing

/// Credentials and queries inside a URL never reach an error or a log line.
struct URLRedactionTests {
    @Test func aFailedRequestNamesItsURLWithoutCredentialsOrQuery() async throws {
        let server = try RawSocketServer(handler: nil)
        let port = server.port
        server.stop()
        let lines = CapturedLines()
        var logger = Logger(label: "url-redaction") { _ in CapturingHandler(lines: lines) }
        logger.logLevel = .trace
        try await withHTTPClient(logger: logger) { client in
            let error = try await #require(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(method: .post, url: "http://evuser:hunter2pw@127.0.0.1:\(port)/events?token=tok3n", body: [1]))
            }
            #expect(error.code == .connectionRefused)
            for text in ["\(error)", error.url, error.detail] + lines.all {
                #expect(!text.contains("hunter2pw") && !text.contains("evuser") && !text.contains("tok3n"), "leaked in: \(text)")
            }
            #expect(error.url == "http://***@127.0.0.1:\(port)/events")
        }
        #expect(!lines.all.isEmpty, "the failure was not logged, so the log check proved nothing")
    }

    @Test(arguments: [
        ("https://u:p@host.example/a?b=c", "https://***@host.example/a"),
        ("https://u:p?x@host.example/a", "https://***@host.example/a"),
        ("https://u:p#x@host.example", "https://***@host.example"),
        ("https://host.example/path@x?q=1", "https://host.example/path@x"),
        ("u:p@host.example", "***@host.example"),
        ("http://127.0.0.1:8080/callback", "http://127.0.0.1:8080/callback"),
    ])
    func redactionDropsCredentialsQueriesAndFragments(url: String, shown: String) {
        #expect(OutboundURL.redacted(url) == shown)
    }

    @Test func onlyLoopbackMayUsePlainHTTP() {
        for allowed in ["http://127.0.0.1:9", "http://127.255.0.1/x", "http://localhost:80", "http://[::1]:9/", "https://api.vipps.no"] {
            #expect(OutboundURL.problem(with: allowed) == nil, "\(allowed)")
        }
        for refused in ["http://example.com", "http://128.0.0.1", "http://127.0.0.1.example.com", "http://10.0.0.1:80",
                        "https://u:p@api.vipps.no", "https://u@api.vipps.no", "ftp://127.0.0.1", "http://127.0.0.1\\@evil.example/",
                        "not a url", "http://"] {
            let problem = OutboundURL.problem(with: refused)
            #expect(problem != nil, "\(refused)")
            #expect(problem?.contains("u:p") != true)
        }
    }
}

final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

/// Renders every log message with its metadata into ``CapturedLines``.
struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        let all = metadata.merging(explicit ?? [:]) { $1 }
        lines.append("\(message) " + all.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}
