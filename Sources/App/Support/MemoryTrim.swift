// Memory handed back after load. glibc's malloc keeps the memory that requests freed in its arenas (one per thread
// that allocated, up to 8 per core) for the next allocation, so a server's RSS stays at its peak after a burst. When the
// process has been idle for a while (it used under 2% of a core over the last interval) after being busy, it calls
// `malloc_trim(0)` once, which returns the arenas' free pages to the system. Measured in docs/benchmarks.md; with
// `MALLOC_ARENA_MAX=2` (scripts/server, docs/operations.md) there are fewer arenas to trim in the first place.
//
// Most of an idle server's resident memory is not its heap but its code: the pages of the executable and of Swift's
// and Foundation's libraries that start-up touched (migrations, routes, templates) and the kernel mapped in whole
// 64 KB runs around each. They are clean copies of files, so at the same idle moment the process also asks the
// kernel to page them out of its own address space (`madvise(MADV_PAGEOUT)`, Linux 5.4+): what a request needs again
// comes back from the page cache on its first use (a minor fault, no disk read while the file is cached); what only
// start-up used stays out. IDLE_PAGE_OUT=0 turns that part off. Measured in docs/benchmarks.md.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Vapor
#if canImport(Glibc)
import Glibc
#endif

enum MemoryTrim {
    /// How often the process looks at its own CPU time.
    static let interval: TimeAmount = .seconds(2)
    /// Below this share of one core over an interval the process counts as idle.
    static let idleShare = 0.02

    /// glibc's `malloc_trim`, looked up at run time (Swift's Glibc module does not declare it); nil elsewhere.
    static let trim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// `MADV_PAGEOUT` (Linux 5.4; not in Swift's Glibc module).
    static let madvPageOut: Int32 = 21

    /// Asks the kernel to drop this process's resident pages of its read-only file mappings (code and constants of the
    /// executable and its libraries); answers the bytes of the mappings it was asked for. Writable and anonymous
    /// memory is never touched. Does nothing where the call is unknown (the kernel answers EINVAL).
    @discardableResult
    static func pageOutCode() -> Int {
        #if os(Linux)
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return 0 }
        var advised = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // address perms offset dev inode path: private, read-only (r-xp, r--p), backed by a file.
            guard fields.count >= 6, fields[1] == "r-xp" || fields[1] == "r--p", fields[5].hasPrefix("/") else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            if madvise(address, Int(end - start), madvPageOut) == 0 { advised += Int(end - start) }
        }
        return advised
        #else
        return 0
        #endif
    }

    /// CPU time (user + system) this process has used, in seconds.
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Trims once per idle spell: after a busy interval, at the first idle one.
    final class Watcher: LifecycleHandler, @unchecked Sendable {
        private struct State { var lastCPU = 0.0; var busySinceTrim = false; var task: RepeatedTask? }
        private let state = NIOLockedValueBox(State())
        /// How many times it trimmed (tests and logs).
        let trims = NIOLockedValueBox(0)
        /// Whether an idle trim also pages out code (IDLE_PAGE_OUT).
        let pageOut: Bool

        init(pageOut: Bool = true) { self.pageOut = pageOut }

        func didBoot(_ app: Application) throws {
            guard MemoryTrim.trim != nil else { return }
            let seconds = Double(MemoryTrim.interval.nanoseconds) / 1e9
            state.withLockedValue { $0.lastCPU = MemoryTrim.cpuSeconds() }
            let task = app.eventLoopGroup.next().scheduleRepeatedTask(initialDelay: MemoryTrim.interval, delay: MemoryTrim.interval) { [weak self] _ in
                self?.tick(seconds: seconds, logger: app.logger)
            }
            state.withLockedValue { $0.task = task }
        }

        func shutdown(_ app: Application) {
            state.withLockedValue { $0.task?.cancel(); $0.task = nil }
        }

        func tick(seconds: Double, logger: Logger) {
            let now = MemoryTrim.cpuSeconds()
            let shouldTrim: Bool = state.withLockedValue { s in
                let used = now - s.lastCPU
                s.lastCPU = now
                if used > MemoryTrim.idleShare * seconds { s.busySinceTrim = true; return false }
                guard s.busySinceTrim else { return false }
                s.busySinceTrim = false
                return true
            }
            guard shouldTrim, let trim = MemoryTrim.trim else { return }
            _ = trim(0)
            let code = pageOut ? MemoryTrim.pageOutCode() : 0
            trims.withLockedValue { $0 += 1 }
            logger.debug("idle: malloc_trim(0); code paged out: \(code >> 20) MB of mappings")
        }
    }
}
