/// What ``StoreCopy`` did: `evflow store copy` prints it, as a table or as `--json`.
package struct StoreCopyReport: Sendable, Codable, Equatable {
    /// The two stores, as their locations describe themselves (never a password).
    package var source: String
    package var target: String
    /// Nothing was written: the counts say what a copy would do.
    package var dryRun: Bool
    /// Instances in the source.
    package var instances = 0
    /// Instances created in the target by this run.
    package var instancesCopied = 0
    /// Instances the target already had with the same content (a repeated copy).
    package var instancesAlreadyThere = 0
    /// Instances the target has with different content: left alone, never overwritten.
    package var conflicts: [String] = []
    /// Source instances that could not be read; the source store set them aside (its `corrupt/`) untouched.
    package var unreadable: [String] = []
    /// Signals waiting in the copied instances' inboxes, and how many of them this run delivered to the target.
    package var signals = 0
    package var signalsCopied = 0
    /// Definitions the instances are pinned to, and how many this run stored in the target.
    package var definitions = 0
    package var definitionsCopied = 0
    /// Pinned definitions the source does not have (its instances cannot run anywhere until they are restored).
    package var missingDefinitions: [String] = []
    /// Instances read back from the target and found identical to the source, with their inboxes.
    package var verified = 0

    package init(source: String, target: String, dryRun: Bool) {
        self.source = source
        self.target = target
        self.dryRun = dryRun
    }

    /// Whether a second run would change nothing and nothing needs an operator.
    package var isComplete: Bool { conflicts.isEmpty && unreadable.isEmpty && missingDefinitions.isEmpty }

    /// Whether this run wrote anything.
    package var changedTarget: Bool { instancesCopied + signalsCopied + definitionsCopied > 0 }
}
