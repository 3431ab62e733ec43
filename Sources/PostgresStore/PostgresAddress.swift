import EPayment
import FlowEngine
import Foundation

/// A PostgreSQL database as `--store` names it: `postgres://user[:password]@host[:port]/database[?options]`.
///
/// Why a type of its own: the password must never reach a log line, an error or a page, so everything that
/// shows the address shows ``redacted`` (`postgres://evflow@db:5432/evflow`), and the password is kept apart.
///
/// Query options: `sslmode=require` (or `verify-full`) for TLS, `sslmode=disable` (default) for none;
/// `host=/path/to/socket-dir` for a unix socket (as libpq); `schema=name` to keep evflow's tables in a schema
/// of their own (default `public`).
///
/// The password comes from the URL, else `PGPASSWORD`, else the file `EVFLOW_STORE_PASSWORD_FILE` names (mode
/// 0600, one line).
package struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    package enum TLSMode: String, Sendable, Equatable {
        /// No TLS (`sslmode=disable`, `allow` or `prefer`, or none given).
        case disable
        /// TLS required, certificate not checked against a CA (`sslmode=require`), as libpq.
        case require
        /// TLS required and the certificate checked against the system's CAs and the host name (`verify-full`, `verify-ca`).
        case verifyFull
    }

    package var user: String
    package var host: String
    package var port: Int
    /// The folder holding the server's unix socket (`.s.PGSQL.<port>`), when connecting through one.
    package var socketDirectory: String?
    package var database: String
    package var schema: String
    package var tls: TLSMode
    /// Never printed: see ``redacted``.
    package var password: String?

    package static let passwordFileVariable = "EVFLOW_STORE_PASSWORD_FILE"

    /// Whether `text` is meant as a database address rather than a folder.
    package static func looksLikeURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `text`, taking a missing password from `PGPASSWORD` or ``passwordFileVariable``.
    /// - Throws: ``PostgresAddressError`` naming what is wrong, never showing the password.
    package init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresAddressError) {
        guard Self.looksLikeURL(text), let components = URLComponents(string: text) else {
            throw PostgresAddressError("'\(Self.redact(text))' is not a postgres://user@host:port/database URL")
        }
        let redacted = Self.redact(text)
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw PostgresAddressError("\(redacted) names no user: write postgres://USER@host:port/database")
        }
        self.user = user
        var database = components.path
        while database.hasPrefix("/") { database.removeFirst() }
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresAddressError("\(redacted) names no database: write postgres://user@host:port/DATABASE")
        }
        self.database = database.removingPercentEncoding ?? database
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresAddressError("\(redacted): the port must be 1 to 65535") }
        var schema = "public"
        var tls = TLSMode.disable
        var socketDirectory: String?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                switch value {
                case "disable", "allow", "prefer": tls = .disable
                case "require": tls = .require
                case "verify-ca", "verify-full": tls = .verifyFull
                default: throw PostgresAddressError("\(redacted): sslmode must be disable, require, verify-ca or verify-full, got '\(value)'")
                }
            case "schema":
                guard Self.isPlainName(value) else {
                    throw PostgresAddressError("\(redacted): schema must be letters, digits and underscores, starting with a letter or underscore, at most 63, got '\(value)'")
                }
                schema = value
            case "host":
                guard value.hasPrefix("/") else { throw PostgresAddressError("\(redacted): the host option must be the absolute path of the socket's folder") }
                socketDirectory = value
            case "connect_timeout", "application_name":
                continue
            default:
                throw PostgresAddressError("\(redacted): unknown option '\(item.name)' (evflow knows sslmode, schema and host)")
            }
        }
        self.schema = schema
        self.tls = tls
        self.socketDirectory = socketDirectory
        if let password = components.percentEncodedPassword, !password.isEmpty {
            self.password = password.removingPercentEncoding ?? password
        } else if let password = environment["PGPASSWORD"], !password.isEmpty {
            self.password = password
        } else if let path = environment[Self.passwordFileVariable], !path.isEmpty {
            let bytes: Data
            do {
                bytes = try OwnerOnlyFile.read(path)
            } catch {
                throw PostgresAddressError("the database password file \(Self.passwordFileVariable)=\(path): \(error)")
            }
            var text = String(decoding: bytes, as: UTF8.self)
            while text.last?.isNewline == true { text.removeLast() }
            guard !text.isEmpty else { throw PostgresAddressError("the database password file \(path) is empty") }
            self.password = text
        } else {
            self.password = nil
        }
    }

    /// The address without its password and options but the schema, for every message: `postgres://evflow@db:5432/evflow`.
    package var redacted: String {
        var text = "postgres://\(user)@\(host):\(port)/\(database)"
        var options: [String] = []
        if schema != "public" { options.append("schema=\(schema)") }
        if tls != .disable { options.append("sslmode=\(tls == .require ? "require" : "verify-full")") }
        if let socketDirectory { options.append("host=\(socketDirectory)") }
        if !options.isEmpty { text += "?" + options.joined(separator: "&") }
        return text
    }

    package var description: String { redacted }

    /// `text` with anything between `://` and `@` after a `:` (a password) replaced by `***`, for messages about
    /// text that did not even parse.
    package static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// A name usable unquoted in SQL: what `schema=` accepts.
    static func isPlainName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.count <= 63 else { return false }
        let letters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz_")
        let rest = letters.union(CharacterSet(charactersIn: "0123456789"))
        return letters.contains(first) && text.unicodeScalars.allSatisfy { rest.contains($0) }
    }
}

/// A `--store` database address that cannot be used; the message never shows the password.
package struct PostgresAddressError: Error, Sendable, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
