/// Why a configuration could not be loaded. The description names the variable or file and what to fix;
/// it never contains a secret value.
public struct EPaymentConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, as a set that may grow.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case missingValue, invalidValue, insecureFile, unreadableFile, malformedFile
        }
        fileprivate let base: Base

        /// A required setting is absent or empty.
        public static let missingValue = Code(base: .missingValue)
        /// A setting has a value the API would reject.
        public static let invalidValue = Code(base: .invalidValue)
        /// The configuration file can be read by other users; it holds secrets and must be mode 0600.
        public static let insecureFile = Code(base: .insecureFile)
        /// The configuration file cannot be read.
        public static let unreadableFile = Code(base: .unreadableFile)
        /// The configuration file is not the expected JSON.
        public static let malformedFile = Code(base: .malformedFile)

        public var description: String { base.rawValue }
    }

    /// The reason.
    public var code: Code
    /// Where the setting came from: an environment variable name or a file path (with the JSON key).
    public var source: String
    /// What is wrong and what to do.
    public var detail: String

    package init(_ code: Code, source: String, _ detail: String) {
        self.code = code
        self.source = source
        self.detail = detail
    }

    public var description: String { "ePayment configuration error (\(code)) in \(source): \(detail)" }
}
