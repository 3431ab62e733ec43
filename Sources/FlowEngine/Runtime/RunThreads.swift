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
            let threadName = "\(name)-\(index)"
            let thread = Thread { [self] in
                Self.nameCurrentThread(threadName)
                loop()
            }
            thread.name = threadName
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Gives the calling thread `name` in the kernel too, where `top -H`, `ps -L`, gdb and `/proc` show it.
    /// Foundation on Linux passes `Thread.name` to the kernel only when it is set on a thread it has finished
    /// starting: set before `start()` it never arrived (every thread kept its creator's name, a dispatch queue's),
    /// and set as the thread's first line it races with the start.
    private static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        // proc(5): a thread may set its own name by writing its `comm` (at most 15 bytes are kept).
        if let comm = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
            try? comm.write(contentsOf: Array(name.utf8.prefix(15)))
            try? comm.close()
        }
        #endif
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
