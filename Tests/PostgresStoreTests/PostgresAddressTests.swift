import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// `--store` addresses: parsed as libpq users expect, and the password never shown.
struct PostgresAddressTests {
    @Test func theURLsPartsAndOptions() throws {
        let address = try PostgresAddress("postgres://evflow:s3cr%40t@db.internal:6543/payments?sslmode=require&schema=evflow_a", environment: [:])
        #expect(address.user == "evflow")
        #expect(address.password == "s3cr@t")
        #expect(address.host == "db.internal")
        #expect(address.port == 6543)
        #expect(address.database == "payments")
        #expect(address.schema == "evflow_a")
        #expect(address.tls == .require)
        let defaults = try PostgresAddress("postgresql://evflow@localhost/evflow", environment: [:])
        #expect(defaults.port == 5432 && defaults.schema == "public" && defaults.tls == .disable && defaults.password == nil)
    }

    @Test func thePasswordNeverShows() throws {
        let address = try PostgresAddress("postgres://evflow:hunter2-secret@db:5432/evflow", environment: [:])
        #expect(address.redacted == "postgres://evflow@db:5432/evflow")
        #expect(!address.description.contains("hunter2"))
        #expect(!"\(StoreLocation.postgres(address))".contains("hunter2"), "the store location's description")
        // Bad addresses are reported without the password, too.
        for bad in ["postgres://evflow:hunter2-secret@db:5432/", "postgres://:hunter2-secret@db/evflow",
                    "postgres://evflow:hunter2-secret@db/evflow?sslmode=sometimes", "postgres://evflow:hunter2-secret@db/evflow?bogus=1"] {
            #expect(throws: PostgresAddressError.self) { try PostgresAddress(bad, environment: [:]) }
            do {
                _ = try PostgresAddress(bad, environment: [:])
            } catch {
                #expect(!error.description.contains("hunter2"), "\(error)")
            }
        }
    }

    @Test func thePasswordFromPGPASSWORDThenAnOwnerOnlyFile() throws {
        let fromVariable = try PostgresAddress("postgres://evflow@db/evflow", environment: ["PGPASSWORD": "from-env"])
        #expect(fromVariable.password == "from-env")
        let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appending(path: "password")
        try Data("from-file\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let environment = [PostgresAddress.passwordFileVariable: file.path]
        #expect(throws: PostgresAddressError.self, "a file others can read is refused") { try PostgresAddress("postgres://evflow@db/evflow", environment: environment) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try PostgresAddress("postgres://evflow@db/evflow", environment: environment).password == "from-file")
        #expect(try PostgresAddress("postgres://evflow:inline@db/evflow", environment: environment).password == "inline", "the URL's own comes first")
    }

    @Test func aFolderIsAFolder() throws {
        let location = try StoreLocation.named("/var/lib/evflow", environment: [:])
        #expect(location.description == "/var/lib/evflow")
    }
}
