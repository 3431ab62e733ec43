import Foundation

/// The threads ``FlowRunner/work(pollInterval:while:)`` runs instances on, instead of Swift's cooperative pool.
///
/// A run blocks its thread in `fsync` several times (every save is durable before the run goes on). On the
/// cooperative pool, which has one thread per core, that leaves two saves in flight on a 2-core machine however
/// many instances are due, and nothing else runs meanwhile. With a thread per concurrent run, many saves wait
/// in the kernel at once and the filesystem commits them together: measured on this project's 2-core ext4
/// machine, 1 writer managed ~110 durable writes/s, 4 or more ~1,100. Waiting for the provider's response
/// suspends the run and frees its thread as usual.
final class RunThreads: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopping = false
    private var running = 0

    init(count: Int, name: String = "evflow-run") {
        condition.lock()
        running = count
        condition.unlock()
        for index in 0..<count {
            let thread = Thread { [self] in loop() }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once every job enqueued so far has run; returns when they have.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while head == jobs.count && !stopping { condition.wait() }
            if head == jobs.count {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head > 1_024 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
