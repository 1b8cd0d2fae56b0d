import CasePulseTestKit
import CasePulseWire
import Foundation
import ZeroMQ

/// A real `casepulsed` process on ipc endpoints in a temporary directory, removed once neither
/// this process nor the test holds it.
final class DaemonProcess {
    /// Where the endpoints, the log and the state live; shared with a restart on the same state.
    let scratch: TemporaryDirectory
    var directory: URL { scratch.url }
    let snapshot: String
    let publish: String
    let ingest: String
    let reliable: String
    /// The daemon's state directory (`<directory>/state`): restart on the same `directory` to
    /// recover it.
    let stateDirectory: String
    let process = Process()
    let logURL: URL

    /// The daemon binary: `$CASEPULSE_DAEMON` when set (Deploy/test.sh points it at a release
    /// build, so the heavy integration tests run at production speed), else the one built next to
    /// the test bundle.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["CASEPULSE_DAEMON"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = testBundle.deletingLastPathComponent()
        while !directory.path.isEmpty, directory.path != "/" {
            let candidate = directory.appendingPathComponent("casepulsed")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return testBundle.deletingLastPathComponent().appendingPathComponent("casepulsed")
    }

    /// The `casepulse` CLI built next to ``binary`` (Deploy/test.sh builds both).
    static var cliBinary: URL { binary.deletingLastPathComponent().appendingPathComponent("casepulse") }

    /// Starts the daemon with `arguments` after the endpoint flags, and waits until its snapshot
    /// endpoint answers. `environment` adds to (or overrides) the test process's environment.
    /// `directory` nil: a fresh one of its own. `fileSizeLimit`: the most bytes any file the daemon
    /// writes may hold (`RLIMIT_FSIZE`, set by util-linux's `prlimit`, with `SIGXFSZ` ignored), so
    /// that a write or an allocation past it fails with `EFBIG` as on a full disk; the daemon keeps
    /// its process id.
    init(
        arguments: [String] = [], directory: TemporaryDirectory? = nil, waitUntilReady: Bool = true,
        environment: [String: String] = [:], fileSizeLimit: Int? = nil
    ) throws {
        scratch = try directory ?? TemporaryDirectory(prefix: "casepulse-it")
        let directory = scratch.url
        snapshot = "ipc://\(directory.path)/snapshot"
        publish = "ipc://\(directory.path)/publish"
        ingest = "ipc://\(directory.path)/ingest"
        reliable = "ipc://\(directory.path)/reliable"
        logURL = directory.appendingPathComponent("casepulsed-\(UUID().uuidString.prefix(4)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        stateDirectory = directory.appendingPathComponent("state").path
        let daemonArguments = [
            "--snapshot", snapshot, "--publish", publish, "--ingest", ingest, "--reliable", reliable,
            "--state-dir", stateDirectory,
        ] + arguments
        if let fileSizeLimit {
            // An ignored signal stays ignored across exec; prlimit execs the daemon in its place.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [
                "-c", "trap '' XFSZ; exec prlimit --fsize=\(fileSizeLimit) -- \"$@\"", "sh", Self.binary.path,
            ] + daemonArguments
        } else {
            process.executableURL = Self.binary
            process.arguments = daemonArguments
        }
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardOutput = FileHandle.nullDevice
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        try process.run()
        if waitUntilReady { try self.waitUntilReady() }
    }

    /// What the daemon wrote to stderr so far.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Polls the snapshot endpoint until it answers a request for `/sys/ingest`.
    func waitUntilReady(timeout: Duration = .seconds(20)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw DaemonError("casepulsed exited early:\n\(log)") }
            if (try? snapshot(subtree: "/sys/ingest", timeout: .milliseconds(300))) != nil { return }
        }
        throw DaemonError("casepulsed did not answer within \(timeout):\n\(log)")
    }

    /// One CHP snapshot: key → value, and the KTHXBAI sequence.
    func snapshot(subtree: String, timeout: Duration = .seconds(60)) throws -> (sequence: UInt64, values: [String: String]) {
        let context = try Context()
        let socket = try Socket(context, .dealer)
        defer { socket.close(linger: 0) }
        try socket.setReceiveTimeout(Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        try socket.connect(snapshot)
        _ = try socket.send(multipart: [Array("ICANHAZ?".utf8), Array(subtree.utf8)])
        var values: [String: String] = [:]
        while true {
            guard let frames = try socket.receiveMultipart() else { throw DaemonError("snapshot timed out") }
            switch ClusteredHashmap.Command(frames: frames) {
            case .keyValue(let key, _, let value)?: values[key] = value
            case .snapshotEnd(let sequence, _)?: return (sequence, values)
            case .heartbeat?, .refused?, nil: throw DaemonError("unexpected snapshot frames: \(frames.count)")
            }
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func terminate(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A test-harness failure with its explanation.
struct DaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
