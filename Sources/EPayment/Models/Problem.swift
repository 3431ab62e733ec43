/// An error body from the API (RFC 7807 problem+json; spec: `Problem`).
///
/// Titles and details are for humans and may change; decide on ``status`` and ``errorCode``.
public struct Problem: Codable, Sendable, Hashable, Error {
    /// A URI naming the problem type.
    public var type: String
    /// A short summary, for example `"Cannot capture before reservation"`.
    public var title: String
    /// This occurrence explained.
    public var detail: String?
    /// The HTTP status code.
    public var status: Int
    /// The server's trace id: quote it when contacting Vipps MobilePay support.
    public var traceId: String?
    /// Field validation failures, or one `ErrorCode` entry for domain errors.
    public var extraDetails: [ExtraDetail]?
    /// The request path (Webhooks API problems carry it).
    public var instance: String?

    /// Creates a problem (used by simulators and tests).
    public init(
        type: String = "about:blank", title: String, status: Int, detail: String? = nil, traceId: String? = nil,
        extraDetails: [ExtraDetail]? = nil, instance: String? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.traceId = traceId
        self.extraDetails = extraDetails
        self.instance = instance
    }

    /// The domain error code, for example `"6080"` for "Cannot capture before reservation".
    public var errorCode: String? {
        extraDetails?.first { $0.name == "ErrorCode" }?.reason
    }

    enum CodingKeys: String, CodingKey {
        case type, title, detail, status, traceId, extraDetails, instance
    }

    /// The Order Management API's `ErrorResponse` names invalid fields in `invalidParams` and has no `status`.
    private enum OrderManagementKeys: String, CodingKey {
        case invalidParams
    }

    /// Tolerant: a gateway error may lack `type` or `traceId`; only `title` is needed. A missing `status` (the
    /// Order Management API sends none) is 0 until the client sets the response's; `invalidParams` become
    /// ``extraDetails``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "about:blank"
        title = try c.decode(String.self, forKey: .title)
        detail = try c.decodeIfPresent(String.self, forKey: .detail)
        status = try c.decodeIfPresent(Int.self, forKey: .status) ?? 0
        traceId = try c.decodeIfPresent(String.self, forKey: .traceId)
        extraDetails = try c.decodeIfPresent([ExtraDetail].self, forKey: .extraDetails)
        if extraDetails == nil {
            extraDetails = try decoder.container(keyedBy: OrderManagementKeys.self)
                .decodeIfPresent([ExtraDetail].self, forKey: .invalidParams)
        }
        instance = try c.decodeIfPresent(String.self, forKey: .instance)
    }
}

/// One entry of ``Problem/extraDetails`` (spec: `ExtraDetail`): a field name and why it was rejected, or
/// `name: "ErrorCode"` with the domain error code as `reason`.
public struct ExtraDetail: Codable, Sendable, Hashable {
    /// The field, or `"ErrorCode"`.
    public var name: String
    /// What is wrong, or the code.
    public var reason: String

    /// Creates an entry.
    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    /// A domain error code entry, as the server sends for errors such as 6080.
    public static func errorCode(_ code: String) -> ExtraDetail { ExtraDetail(name: "ErrorCode", reason: code) }
}
