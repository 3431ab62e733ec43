import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A held `flock(2)` on `locks/<id>.lock`. The kernel drops the lock when the descriptor is closed, which happens
/// on ``release()``, when this object is deallocated, or when the process dies: that is how a dead runner's
/// instances become available again. Keep the object for as long as you run the instance.
final class FileInstanceLock: InstanceLock {
    let instanceID: String
    /// The open lock file, or -1 once released.
    private let descriptor: Mutex<Int32>

    init(instanceID: String, descriptor: Int32) {
        self.instanceID = instanceID
        self.descriptor = Mutex(descriptor)
    }

    /// Unlocks and closes; later calls do nothing.
    func release() {
        let held = descriptor.withLock { descriptor in
            defer { descriptor = -1 }
            return descriptor
        }
        guard held >= 0 else { return }
        // Clear the pid first, so a diagnostic read never names a runner that no longer holds the lock.
        _ = ftruncate(held, 0)
        _ = flock(held, LOCK_UN)
        close(held)
    }

    deinit { release() }
}
