import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file that holds secrets and so must be readable by its owner only (mode 0600 or 0400): the configuration
/// file (`EPAYMENT_CONFIG_FILE`) and the webhook secret file (`EPAYMENT_WEBHOOK_SECRET_FILE`).
package enum OwnerOnlyFile {
    /// The file's bytes, after checking that neither group nor others have any permission on it.
    /// - Throws: ``EPaymentConfigurationError``: ``EPaymentConfigurationError/Code/insecureFile`` naming the
    ///   `chmod` to run, or ``EPaymentConfigurationError/Code/unreadableFile``.
    package static func read(_ path: String) throws(EPaymentConfigurationError) -> Data {
        // Checked on the open descriptor, so the file whose mode is checked is the file that is read, even if the
        // path is replaced in between.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw EPaymentConfigurationError(
                .unreadableFile, source: path, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw EPaymentConfigurationError(.unreadableFile, source: path, "not a regular file")
        }
        let permissions = info.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw EPaymentConfigurationError(
                .insecureFile, source: path,
                "the file holds secrets but has mode \(String(permissions, radix: 8)), readable by others; it must be 0600: "
                    + "run `chmod 600 \(path)` (and rotate the secrets if others could have read them)")
        }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw EPaymentConfigurationError(.unreadableFile, source: path, "cannot read the file: \(error.localizedDescription)")
        }
    }

    /// The secret a file holds: its text without surrounding whitespace (a trailing newline is usual).
    /// - Throws: ``EPaymentConfigurationError`` as ``read(_:)`` does, and
    ///   ``EPaymentConfigurationError/Code/missingValue`` for an empty file.
    package static func secret(_ path: String) throws(EPaymentConfigurationError) -> Secret {
        let text = String(decoding: try read(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw EPaymentConfigurationError(.missingValue, source: path, "the file is empty; it should hold the secret")
        }
        return Secret(text)
    }
}
