// Running another program (espeak-ng, pg_dump, pg_restore; in tests the `thonso` binary, xmllint, zbarimg) from async
// code. `Process.waitUntilExit()` and `FileHandle.readDataToEndOfFile()` block the calling thread, and Swift's
// cooperative pool has one thread per core (two on a commune's machine): a blocked thread there stalls every request
// and job of the process for as long as the program runs. In the tests, subprocesses that ran for seconds stalled the
// in-process servers of other tests until their database pool timed out (a 500). Here the blocking calls run on
// Dispatch threads, and the caller awaits them.
import Foundation
import NIOConcurrencyHelpers

public enum Subprocess {
    public struct Output: Sendable {
        public var status: Int32
        public var signalled: Bool
        public var stdout: Data
        public var stderr: Data
        public var text: String { String(decoding: stdout, as: UTF8.self) }
        public var errorText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// `Process` is not Sendable; one is handed to a Dispatch thread and not touched meanwhile.
    private final class Handed: @unchecked Sendable {
        let process: Process
        init(_ p: Process) { process = p }
    }

    /// Starts `p` (configured, not started) and waits for it to end, reading its standard output and error in full,
    /// together (so neither pipe fills while the other is read). With `mergeErrors`, both go to `stdout`.
    /// Standard input gets `input` when given, else nothing.
    public static func run(_ p: Process, input: Data? = nil, mergeErrors: Bool = false) async throws -> Output {
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = mergeErrors ? out : err
        p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        let handed = Handed(p)
        return await withCheckedContinuation { (c: CheckedContinuation<Output, Never>) in
            DispatchQueue.global().async {
                let errData = NIOLockedValueBox(Data())
                let group = DispatchGroup()
                if !mergeErrors {
                    DispatchQueue.global().async(group: group) {
                        let d = err.fileHandleForReading.readDataToEndOfFile()
                        errData.withLockedValue { $0 = d }
                    }
                }
                if let input {
                    DispatchQueue.global().async(group: group) {
                        inPipe.fileHandleForWriting.write(input)
                        try? inPipe.fileHandleForWriting.close()
                    }
                }
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                handed.process.waitUntilExit()
                c.resume(returning: Output(status: handed.process.terminationStatus,
                                           signalled: handed.process.terminationReason == .uncaughtSignal,
                                           stdout: outData, stderr: errData.withLockedValue { $0 }))
            }
        }
    }

    /// Waits for a started process to end (its pipes, if any, are the caller's); answers its status.
    @discardableResult
    public static func wait(_ p: Process) async -> Int32 {
        let handed = Handed(p)
        return await withCheckedContinuation { (c: CheckedContinuation<Int32, Never>) in
            DispatchQueue.global().async {
                handed.process.waitUntilExit()
                c.resume(returning: handed.process.terminationStatus)
            }
        }
    }
}
