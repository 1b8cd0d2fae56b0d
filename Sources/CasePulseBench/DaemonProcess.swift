import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `casepulsed` child process on four loopback ports, with its log in a file.
final class DaemonProcess {
    /// The endpoints it binds.
    let snapshot: String
    let publish: String
    let ingest: String
    let reliable: String
    private let process = Process()
    /// When ``start()`` launched the process.
    private(set) var launched = ContinuousClock.now

    /// Prepares (does not start) `binary` on ports `basePort…basePort+3` with `stateDirectory`,
    /// checkpointing every `checkpointEvents` events.
    init(
        binary: String, basePort: Int, stateDirectory: String, publishIntervalMilliseconds: Int, checkpointEvents: Int,
        fsync: String = "batch", log: URL
    ) throws {
        snapshot = "tcp://127.0.0.1:\(basePort)"
        publish = "tcp://127.0.0.1:\(basePort + 1)"
        ingest = "tcp://127.0.0.1:\(basePort + 2)"
        reliable = "tcp://127.0.0.1:\(basePort + 3)"
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--snapshot", snapshot, "--publish", publish, "--ingest", ingest, "--reliable", reliable,
            "--state-dir", stateDirectory, "--fsync", fsync, "--day-retention", "0",
            "--publish-interval", String(publishIntervalMilliseconds), "--checkpoint-events", String(checkpointEvents),
            "--ingest-hwm", String(TransportCeiling.receiveHighWaterMark), "--log-level", "notice",
        ]
        // One log for every daemon of a run, appended to.
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
    }

    /// Launches the process.
    func start() throws {
        launched = .now
        try process.run()
    }

    /// The process id.
    var pid: Int32 { process.processIdentifier }

    /// Whether the process still runs.
    var isRunning: Bool { process.isRunning }

    /// Peak resident set (`VmHWM`) in bytes, from `/proc/PID/status`; 0 when unreadable.
    var peakResidentBytes: Int { Self.statusField("VmHWM", pid: pid) }

    /// Current resident set (`VmRSS`) in bytes.
    var residentBytes: Int { Self.statusField("VmRSS", pid: pid) }

    /// CPU seconds the process used so far, all its threads, user and system (`utime` and
    /// `stime` of `/proc/PID/stat`); 0 when unreadable.
    var cpuSeconds: Double { Self.cpuSeconds(pid: pid) }

    static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func statusField(_ name: String, pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
        }
        return 0
    }

    /// SIGKILL, as a crash or a power cut would stop it: no checkpoint, no image. Waits for the
    /// process to be gone.
    func crash() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM (the daemon publishes, checkpoints and exits), then waits; returns how long the
    /// clean stop took, the exit status, and the daemon's `VmHWM` as last read while it stopped —
    /// its peak over its whole life, the final checkpoint included (read every 2 ms; the exit
    /// that follows the checkpoint only frees).
    @discardableResult
    func stop(timeout: Duration = .seconds(120)) -> (took: Duration, status: Int32, peakResidentBytes: Int) {
        let started = ContinuousClock.now
        guard process.isRunning else { return (.zero, process.terminationStatus, 0) }
        var peak = peakResidentBytes
        kill(pid, SIGTERM)
        let deadline = started + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            peak = max(peak, peakResidentBytes)
            usleep(2_000)
        }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        return (ContinuousClock.now - started, process.terminationStatus, peak)
    }
}
