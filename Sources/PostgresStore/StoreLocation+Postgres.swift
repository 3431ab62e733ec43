import FlowEngine
import Foundation

extension StoreLocation {
    /// A PostgreSQL database shared by many workers (see ``PostgresInstanceStore``); described by its address
    /// without the password.
    package static func postgres(_ address: PostgresAddress, options: PostgresInstanceStore.Options = .init()) -> StoreLocation {
        .opening({ try PostgresInstanceStore(address: address, options: options) }, describedAs: address.redacted)
    }

    /// What `--store` (env `EVFLOW_STORE`) names: a `postgres://user@host:port/db` URL, or a state folder.
    /// - Throws: ``PostgresAddressError`` for a database address that cannot be used (never showing its password).
    package static func named(_ text: String, options: PostgresInstanceStore.Options = .init(),
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresAddressError) -> StoreLocation {
        guard PostgresAddress.looksLikeURL(text) else { return .directory(URL(filePath: text)) }
        return .postgres(try PostgresAddress(text, environment: environment), options: options)
    }
}
