import Foundation

/// An executable product of this package, as `swift build --build-tests` (and so `make test`) leaves it next to
/// the test bundle; the end-to-end tests run it as a child process (see ``ChildProcess``).
package struct BuiltProduct: Sendable {
    /// The product's name, also its file name.
    package let name: String
    /// An environment variable that points at another build of it, checked first.
    package let overrideVariable: String?

    /// `evflow`, or the binary named by `EVFLOW_BINARY`.
    package static let evflow = BuiltProduct(name: "evflow", overrideVariable: "EVFLOW_BINARY")
    /// `epayment-sim`.
    package static let epaymentSimulator = BuiltProduct(name: "epayment-sim", overrideVariable: nil)

    /// Where it is looked for, in order: the override, beside the running test binary (and one folder up, for a
    /// bundle's inner executable), then the repository's `.build/debug`.
    package var candidates: [URL] {
        var candidates: [URL] = []
        if let overrideVariable, let explicit = ProcessInfo.processInfo.environment[overrideVariable], !explicit.isEmpty {
            candidates.append(URL(filePath: explicit))
        }
        let testBinary = URL(filePath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
        candidates.append(testBinary.appending(path: name))
        candidates.append(testBinary.deletingLastPathComponent().appending(path: name))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appending(path: name))
        candidates.append(Repository.path(".build/debug/\(name)"))
        return candidates
    }

    /// The executable.
    /// - Throws: ``NotBuilt`` naming every place looked at and the command that builds it.
    package func url() throws -> URL {
        let candidates = self.candidates
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NotBuilt(product: name, candidates: candidates.map(\.path))
        }
        return found
    }

    /// Whether the executable exists, for `.enabled(if:)`.
    package var isBuilt: Bool { (try? url()) != nil }

    /// The product has not been built.
    package struct NotBuilt: Error, CustomStringConvertible {
        package var product: String
        package var candidates: [String]
        package var description: String {
            "\(product) is not built (looked at \(candidates.joined(separator: ", "))); run `swift build --build-tests` or `make test`"
        }
    }
}
