import Testing

/// Every suite of this target runs one test at a time: each starts `evflow` child processes and a simulator, and
/// CI's two cores are shared with timing-sensitive suites elsewhere.
@Suite(.serialized)
enum EvflowCLITests {}
