import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading request bodies and writing JSON responses.
enum JSONBody {
    /// The raw body, at most `limit` bytes.
    /// - Throws: ``APIProblem`` 413 when it is larger.
    static func bytes(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIProblem(status: 413, title: "Content Too Large", detail: "the request body is larger than \(limit) bytes", code: "tooLarge")
        }
    }

    /// The body as a JSON object.
    /// - Throws: ``APIProblem`` 400 naming what is wrong.
    static func object(_ request: Request, limit: Int, example: String) async throws -> [String: Any] {
        let bytes = try await bytes(request, limit: limit)
        guard !bytes.isEmpty else { throw APIProblem.badRequest("the body is empty; send a JSON object such as \(example)") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw APIProblem.badRequest("the body is not valid JSON; send a JSON object such as \(example)")
        }
        guard let object = parsed as? [String: Any] else {
            throw APIProblem.badRequest("the body must be a JSON object such as \(example)")
        }
        return object
    }

    /// A member that must be a JSON object (or absent, meaning `{}`), re-encoded for the definition's converters.
    static func member(_ object: [String: Any], _ key: String) throws -> Data {
        guard let value = object[key], !(value is NSNull) else { return Data("{}".utf8) }
        guard value is [String: Any] else { throw APIProblem.badRequest("'\(key)' must be a JSON object") }
        return try JSONSerialization.data(withJSONObject: value)
    }

    /// A member that must be a string, if present.
    static func string(_ object: [String: Any], _ key: String, required: Bool) throws -> String? {
        guard let value = object[key], !(value is NSNull) else {
            if required { throw APIProblem.badRequest("'\(key)' is required (a string)") }
            return nil
        }
        guard let text = value as? String else { throw APIProblem.badRequest("'\(key)' must be a string") }
        return text
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
