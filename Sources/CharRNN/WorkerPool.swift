// A persistent helper thread for the kernels' two-core split, so that a product split over both
// cores costs well under a microsecond to hand out, not the microseconds of a dispatch queue: the
// recurrence splits one small product per step, 64 steps × 2 passes per iteration.
//
// The work is a fixed partition into chunks: `run(chunks, body)` calls body(0), …, body(chunks − 1)
// and returns when all are done. The calling thread and the helper *claim* chunks from a shared
// counter, so a helper that the operating system has not scheduled yet (a busy machine) costs
// nothing: the caller simply runs every chunk. Which thread runs a chunk never changes what it
// computes (the chunks write disjoint outputs with the same arithmetic), so results are the same
// bit for bit whatever the timing — and the same as with no helper at all.
//
// Handshake: the caller publishes the task and its generation (`claim` = generation, chunk count
// and next chunk in one word; `posted` = generation); the helper spins on `posted` for a while, then sleeps on a
// condition (`sleeping` tells the caller to signal it); each finished chunk bumps `done`, on which
// the caller waits.
//
// On a machine shared with other work the helper may be descheduled holding a chunk, and the
// caller then waits for milliseconds on a job of microseconds. When a wait is both long (over
// 200 µs) and longer than the caller's own share took, the caller works alone for the next 50 ms.

import Foundation
import Synchronization

/// The helper thread behind `Kernels.parallel`.
final class WorkerPool: @unchecked Sendable {
    /// The pool the kernels use: one helper when the machine has two cores or more (none with
    /// CHARRNN_THREADS=1 in the environment: every chunk on the calling thread, the same results).
    static let shared = WorkerPool(
        helper: ProcessInfo.processInfo.activeProcessorCount >= 2
            && ProcessInfo.processInfo.environment["CHARRNN_THREADS"] != "1")

    /// The generation of the latest task handed out.
    private let posted = Atomic<Int>(0)
    /// generation << 40 | chunks << 20 | the next unclaimed chunk, all of one task in one word
    /// (23 + 20 + 20 bits: below 2⁶³, so `>> 40` gives the generation back).
    private let claim = Atomic<Int>(0)
    /// Chunks of the current task finished.
    private let done = Atomic<Int>(0)
    /// True while the helper waits on `condition` rather than spinning.
    private let sleeping = Atomic<Bool>(false)
    /// True while some caller owns the pool (a second caller runs its chunks alone).
    private let busy = Atomic<Bool>(false)
    private let condition = NSCondition()
    /// The task of the current generation (a pointer to the caller's closure): written before
    /// `claim` is published, read after a claim of that generation succeeds.
    private var task: UnsafeRawPointer?
    private var generation = 0
    /// Until this time (uptime, ns) the owner runs every chunk itself: the helper was late.
    private var aloneUntil: UInt64 = 0
    private let hasHelper: Bool

    /// How many times the helper polls before it sleeps (tens of microseconds): the recurrence's
    /// products come back to back, a sampler's a few microseconds apart.
    static let spinLimit = 20_000

    init(helper: Bool) {
        hasHelper = helper
        guard helper else { return }
        let thread = Thread { [unowned self] in self.helperLoop() }
        thread.name = "charrnn-kernels"
        thread.start()
    }

    /// Runs body(0) … body(chunks − 1), on the calling thread and the helper, and returns when
    /// all are done.
    func run(_ chunks: Int, _ body: (Int) -> Void) {
        guard hasHelper, chunks > 1, chunks < 1 << 20,
            busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        if start < aloneUntil {
            for chunk in 0..<chunks { body(chunk) }
            busy.store(false, ordering: .releasing)
            return
        }
        withoutActuallyEscaping(body) { body in
            var closure = body
            withUnsafePointer(to: &closure) { pointer in
                generation = (generation + 1) & 0x7F_FFFF  // 23 bits: the claim word stays positive
                task = UnsafeRawPointer(pointer)
                done.store(0, ordering: .sequentiallyConsistent)
                claim.store(generation << 40 | chunks << 20, ordering: .sequentiallyConsistent)
                posted.store(generation, ordering: .sequentiallyConsistent)
                if sleeping.load(ordering: .sequentiallyConsistent) {
                    condition.lock()
                    condition.signal()
                    condition.unlock()
                }
                while let chunk = claimChunk(generation) {
                    body(chunk)
                    done.add(1, ordering: .releasing)
                }
                var spins = 0
                var waitStart: UInt64 = 0
                while done.load(ordering: .acquiring) != chunks {  // a chunk the helper claimed
                    spins += 1
                    if spins == 1 { waitStart = DispatchTime.now().uptimeNanoseconds }
                    if spins > 1_000 { sched_yield() }  // the helper may be waiting for a core
                }
                if spins > 0 {
                    let end = DispatchTime.now().uptimeNanoseconds
                    let waited = end - waitStart, own = waitStart - start
                    if waited > 200_000 && waited > own { aloneUntil = end + 50_000_000 }
                }
                task = nil
            }
        }
        busy.store(false, ordering: .releasing)
    }

    /// Claims the next chunk of generation `g`, or nil when there is none left (or `g` is over).
    @inline(__always)
    private func claimChunk(_ g: Int) -> Int? {
        var word = claim.load(ordering: .acquiring)
        while word >> 40 == g && word & 0xF_FFFF < (word >> 20) & 0xF_FFFF {
            let (exchanged, original) = claim.compareExchange(
                expected: word, desired: word + 1, ordering: .acquiringAndReleasing)
            if exchanged { return word & 0xF_FFFF }
            word = original
        }
        return nil
    }

    private func helperLoop() {
        var seen = 0
        while true {
            var spins = 0
            while posted.load(ordering: .acquiring) == seen {
                spins += 1
                if spins >= Self.spinLimit {
                    condition.lock()
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    while posted.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    condition.unlock()
                }
            }
            seen = posted.load(ordering: .acquiring)
            while let chunk = claimChunk(seen) {
                runChunk(chunk)
                done.add(1, ordering: .releasing)
            }
        }
    }

    /// One chunk on the helper, in its own frame so that nothing of the task outlives it.
    @inline(never)
    private func runChunk(_ chunk: Int) {
        task!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
    }
}
