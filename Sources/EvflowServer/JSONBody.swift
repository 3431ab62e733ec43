import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading request bodies (bounded in size and time) and writing JSON responses.
enum JSONBody {
    /// How large a body may be and how long it may take to arrive.
    struct Limit: Sendable {
        var maximumSize: Int
        /// From the request head to the body's last byte (`EVFLOW_BODY_TIMEOUT`).
        var timeout: Duration
    }

    /// The raw body, at most `limit.maximumSize` bytes, arrived within `limit.timeout`.
    /// - Throws: ``APIProblem`` 413 when it is larger, 408 (closing the connection) when it is late.
    static func bytes(_ request: Request, limit: Limit) async throws -> [UInt8] {
        let body = request.body
        let maximum = limit.maximumSize
        do {
            // A trickled body is activity for the idle timer, so only a deadline bounds it.
            let collected: [UInt8]? = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask { Array(try await body.collect(upTo: maximum).readableBytesView) }
                group.addTask {
                    try await Task.sleep(for: limit.timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let collected else {
                throw APIProblem(status: 408, title: "Request Timeout",
                                 detail: "the request body did not arrive within \(limit.timeout) (EVFLOW_BODY_TIMEOUT); send it at once", code: "bodyTimeout")
            }
            return collected
        } catch is NIOTooManyBytesError {
            throw APIProblem(status: 413, title: "Content Too Large", detail: "the request body is larger than \(maximum) bytes", code: "tooLarge")
        }
    }

    /// Parses a body as one JSON object, in one pass with a depth limit; call it on the runner's threads, not on
    /// the server's (see ``FlowRunner/onRunnerThreads(_:)``).
    /// - Throws: ``APIProblem`` 400 naming what is wrong (code `tooDeep` beyond the depth limit).
    static func object(_ bytes: [UInt8], example: String) throws -> [String: PlainJSON] {
        guard !bytes.isEmpty else { throw APIProblem.badRequest("the body is empty; send a JSON object such as \(example)") }
        let parsed: PlainJSON
        do {
            parsed = try PlainJSONParser().parse(bytes)
        } catch let failure where failure.tooDeep {
            throw APIProblem(status: 400, title: "Bad Request", detail:
                "the body is nested deeper than \(PlainJSONParser.defaultMaximumDepth) levels of objects and arrays (at byte \(failure.offset)); send a JSON object such as \(example)",
                code: "tooDeep")
        } catch {
            throw APIProblem.badRequest("the body is not valid JSON: \(error); send a JSON object such as \(example)")
        }
        guard case .object(let object) = parsed else {
            throw APIProblem.badRequest("the body must be a JSON object such as \(example)")
        }
        return object
    }

    /// A member that must be a JSON object (or absent, meaning `{}`).
    static func member(_ object: [String: PlainJSON], _ key: String) throws -> [String: PlainJSON] {
        switch object[key] {
        case nil, .null?: return [:]
        case .object(let member)?: return member
        default: throw APIProblem.badRequest("'\(key)' must be a JSON object")
        }
    }

    /// A member that must be a string of at most `maximumLength` bytes, if present.
    static func string(_ object: [String: PlainJSON], _ key: String, required: Bool, maximumLength: Int) throws -> String? {
        switch object[key] {
        case nil, .null?:
            if required { throw APIProblem.badRequest("'\(key)' is required (a string)") }
            return nil
        case .string(let text)?:
            do {
                try InputLimits.check(text, field: key, limit: maximumLength)
            } catch {
                throw APIProblem(status: 400, title: "Bad Request", detail: error.detail, code: "tooLong")
            }
            return text
        default: throw APIProblem.badRequest("'\(key)' must be a string")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// A JSON response.
    static func response(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
