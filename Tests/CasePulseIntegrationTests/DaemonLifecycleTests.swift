import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// The daemon as an operator meets it: bad configuration refused in one line, SIGTERM exits 0.
@Suite struct DaemonLifecycleTests {
    /// Runs casepulsed with `arguments` to completion and returns its status and stderr.
    static func runToExit(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let run = try CompletedProcess.run(DaemonProcess.binary, arguments)
        return (run.status, run.stderr)
    }

    @Test func anEndpointInUseIsRefusedInOneLineNamingItAndTheErrno() throws {
        let context = try Context()
        let holder = try Socket(context, .router)
        defer { holder.close(linger: 0) }
        try holder.bind("tcp://127.0.0.1:*")
        let taken = try holder.lastEndpoint
        let directory = try TemporaryDirectory(prefix: "casepulse-bind")
        let (status, stderr) = try Self.runToExit([
            "--snapshot", taken, "--publish", "ipc://\(directory.path)/pub",
            "--ingest", "ipc://\(directory.path)/in", "--reliable", "ipc://\(directory.path)/rel",
            "--state-dir", "\(directory.path)/state",
        ])
        // 1, not 78: the unit restarts on it (the endpoint may be free by then).
        #expect(status == 1, "stderr: \(stderr)")
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(stderr)")
        #expect(stderr.contains("snapshot") && stderr.contains(taken) && stderr.contains("errno 98"), "stderr: \(stderr)")
    }

    /// A usage error exits 64 (`EX_USAGE`); a value that parses but the configuration refuses
    /// exits 78 (`EX_CONFIG`, not restarted by the unit), as casepulsed(8) documents.
    @Test(arguments: [
        (["--no-such-flag"], 64, "no-such-flag"),
        (["--timezone", "Mars/Olympus"], 78, "Mars/Olympus"),
        (["--publish-interval", "-5"], 78, "publish-interval"),
        (["--log-level", "loud"], 78, "loud"),
    ] as [([String], Int32, String)])
    func badFlagsAreRefusedWithTheDocumentedStatus(arguments: [String], expected: Int32, mentioned: String) throws {
        let (status, stderr) = try Self.runToExit(arguments)
        #expect(status == expected, "stderr: \(stderr)")
        #expect(stderr.contains(mentioned), "stderr: \(stderr)")
    }

    @Test func ipcSocketFilesAreTheDaemonsAlone() throws {
        let daemon = try DaemonProcess()
        defer { daemon.terminate() }
        for endpoint in [daemon.snapshot, daemon.publish, daemon.ingest, daemon.reliable] {
            let path = String(endpoint.dropFirst("ipc://".count))
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = try #require(attributes[.posixPermissions] as? NSNumber).uint16Value
            #expect(mode & 0o077 == 0, "\(path) has mode \(String(mode, radix: 8))")
        }
    }

    @Test func sigtermAndSigintExitZero() throws {
        for signal in [SIGTERM, SIGINT] {
            let daemon = try DaemonProcess()
            #expect(daemon.terminate(signal: signal) == 0, "log: \(daemon.log)")
        }
    }
}
