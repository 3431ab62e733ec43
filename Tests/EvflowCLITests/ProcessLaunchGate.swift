import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Holds a child-process launch while this test process has many descriptors open.
///
/// Why: on Linux, Foundation's `Process.run()` finds the highest open descriptor by reading `/proc/self/fd` and
/// copies each entry's whole 256-byte `d_name` (swift-corelibs-foundation, `findMaximumOpenFromProcSelfFD`). Once
/// about 1,360 descriptors are open the listing fills glibc's 32 KiB directory buffer, the copy of the last entry
/// reads past it, and the test process crashes in `memcpy` (seen once in a clean-clone `make test`, with every suite
/// running in parallel, which peak near 1,200). Launches wait, at most `patience`, until fewer than `limit` are open;
/// the wait blocks its thread, so it is short and the limit sits just below the crash, not at the usual load. Issue 14's shared
/// test-support target should keep one copy of this instead of one per test target.
enum ProcessLaunchGate {
    static func waitForFewDescriptors(limit: Int = 1_300, patience: Duration = .seconds(5)) {
        let deadline = ContinuousClock.now.advanced(by: patience)
        while openDescriptors() >= limit, ContinuousClock.now < deadline {
            usleep(20_000)
        }
    }

    /// Counts entries without touching their names (the over-read above is in copying `d_name`).
    static func openDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return count
    }
}
