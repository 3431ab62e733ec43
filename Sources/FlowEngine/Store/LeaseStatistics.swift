/// A leasing store's counts since it was opened.
package struct LeaseStatistics: Sendable, Equatable {
    /// Leases this process holds now.
    package var held: Int
    /// Expired leases of other workers this process took over.
    package var takeovers: Int
    /// Saves refused because another worker had taken the instance over.
    package var fencingRejections: Int

    package init(held: Int, takeovers: Int, fencingRejections: Int) {
        self.held = held
        self.takeovers = takeovers
        self.fencingRejections = fencingRejections
    }
}
