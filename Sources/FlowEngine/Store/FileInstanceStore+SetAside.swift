import Foundation

extension FileInstanceStore {
    /// The files in `corrupt/`, oldest first (by the time they were moved there, then by name).
    package func setAsideRecords() -> [SetAsideRecord] {
        let directory = layout.corrupt
        let names = (try? DirectoryEntries.names(in: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.map { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")
            return SetAsideRecord(name: name, setAsideAt: attributes?[.modificationDate] as? Date ?? Date())
        }.sorted { ($0.setAsideAt, $0.name) < ($1.setAsideAt, $1.name) }
    }
}
