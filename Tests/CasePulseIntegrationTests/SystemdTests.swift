import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// The real daemon under a test-owned service manager: `NOTIFY_SOCKET` is a datagram socket in a
/// temporary directory, `WATCHDOG_USEC` asks for pings, signals come from the test.
@Suite struct SystemdTests {
    /// A daemon that reports to `socket`, with test hooks on, not waited for.
    static func daemon(
        _ socket: NotifySocket, watchdogMicroseconds: Int? = nil, arguments: [String] = [], directory: TemporaryDirectory? = nil,
        environment: [String: String] = [:]
    ) throws -> DaemonProcess {
        var variables = ["NOTIFY_SOCKET": socket.path, "CASEPULSE_TEST_HOOKS": "1"]
        if let watchdogMicroseconds { variables["WATCHDOG_USEC"] = String(watchdogMicroseconds) }
        return try DaemonProcess(
            arguments: arguments, directory: directory, waitUntilReady: false, environment: variables.merging(environment) { _, new in new })
    }

    /// Waits for `READY=1` and checks it names the daemon's pid.
    static func waitForReady(_ socket: NotifySocket, _ daemon: DaemonProcess) throws {
        let seen = try #require(socket.receive(until: "READY=1", timeout: .seconds(30)), "no READY=1; log:\n\(daemon.log)")
        #expect(seen.last?.assignments.contains("MAINPID=\(daemon.process.processIdentifier)") == true)
    }

    /// A daemon run with `--config` on `casepulsed.toml` in its own directory, the file holding
    /// `text` at start; waited for until `READY=1`.
    static func daemon(_ socket: NotifySocket, configuredWith text: String) throws -> (daemon: DaemonProcess, file: String) {
        let scratch = try TemporaryDirectory(prefix: "casepulse-hup")
        let file = scratch.appending("casepulsed.toml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let daemon = try Self.daemon(socket, arguments: ["--config", file], directory: scratch)
        try waitForReady(socket, daemon)
        return (daemon, file)
    }

    /// Writes `text` to `file` and sends SIGHUP: the datagrams up to the reload's `READY=1`, or
    /// nil when none comes within 10 s.
    static func reload(_ daemon: DaemonProcess, file: String, to text: String, _ socket: NotifySocket) throws -> [NotifySocket.Datagram]? {
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        return socket.receive(until: "READY=1", timeout: .seconds(10))
    }

    @Test func readyComesOnlyOnceTheSnapshotEndpointAnswers() throws {
        let socket = try NotifySocket()
        let daemon = try Self.daemon(socket)
        try Self.waitForReady(socket, daemon)
        // No polling, no retry: the endpoint must answer the moment READY=1 is out.
        let answer = try daemon.snapshot(subtree: "/sys/ingest", timeout: .seconds(2))
        #expect(answer.values["/sys/ingest"] != nil)
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }

    @Test func theWatchdogKeepsPaceAndStopsWhileTheLoopIsWedged() throws {
        let socket = try NotifySocket()
        let daemon = try Self.daemon(socket, watchdogMicroseconds: 1_000_000, environment: ["CASEPULSE_TEST_WEDGE_MS": "3000"])
        try Self.waitForReady(socket, daemon)

        // WATCHDOG_USEC = 1 s: a ping every 0.5 s.
        let healthy = Self.pings(socket, for: .seconds(3))
        #expect(healthy.count >= 4, "pings: \(healthy.count)")
        let gaps = zip(healthy.dropFirst(), healthy).map { Self.seconds($0 - $1) }
        #expect(gaps.allSatisfy { $0 > 0.3 && $0 < 0.8 }, "gaps between pings: \(gaps)")

        // Wedge the loop for 3 s: no ping for far longer than the 1 s timeout, then pings again.
        let wedgedAt = ContinuousClock.now
        kill(daemon.process.processIdentifier, SIGUSR1)
        let around = Self.pings(socket, for: .seconds(5))
        let afterWedge = around.filter { $0 > wedgedAt + .milliseconds(100) }
        let first = try #require(afterWedge.first, "no ping after the wedge; log:\n\(daemon.log)")
        #expect(Self.seconds(first - wedgedAt) >= 2.5, "a ping came \(Self.seconds(first - wedgedAt)) s into a 3 s wedge")
        #expect(afterWedge.count >= 2, "pings did not resume after the wedge")
        #expect(daemon.log.contains("wedg"))
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }

    @Test func sigtermSaysStoppingSavesStateAndExitsZero() throws {
        let socket = try NotifySocket()
        let daemon = try Self.daemon(socket)
        try Self.waitForReady(socket, daemon)
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(socket.receive(until: "STOPPING=1", timeout: .seconds(20)) != nil, "no STOPPING=1; log:\n\(daemon.log)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
        #expect(daemon.log.contains("stopped"))
        let saved = try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory)
        #expect(!saved.isEmpty, "nothing in the state directory \(daemon.stateDirectory)")
    }

    @Test func sighupReloadsTheFileAndSaysWhatItReloaded() throws {
        let socket = try NotifySocket()
        let (daemon, file) = try Self.daemon(socket, configuredWith: "publish-interval = 100\nlog-level = \"info\"\n")

        let reload = try #require(
            try Self.reload(daemon, file: file, to: "publish-interval = 40\nlog-level = \"debug\"\nday-retention = 9\n", socket),
            "log:\n\(daemon.log)")
        #expect(reload.contains { $0.assignments.contains("RELOADING=1") })
        let line = try #require(Self.waitForLine(containing: "reloaded configuration", in: daemon), "log:\n\(daemon.log)")
        #expect(line.contains("from \(file): publish-interval 100 → 40, log-level info → debug"), "\(line)")
        #expect(line.contains("not applied, needs a restart: day-retention"), "\(line)")
        // The loop itself reports the interval it now coalesces with.
        #expect(Self.waitForLine(containing: "publish interval is now 40 ms", in: daemon) != nil, "log:\n\(daemon.log)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }

    /// casepulsed(8), SIGNALS, SIGHUP: "A configuration that does not check out is refused whole and
    /// the running one stays", and "Under systemd the reload is announced with RELOADING=1 and
    /// READY=1" — a refused reload too, or systemd would leave the unit in "reloading" until its
    /// timeout. The broken file also holds valid changes to both reloadable keys before its bad one:
    /// neither may be applied.
    @Test func aRefusedReloadStillEndsWithReadyAndAppliesNothing() throws {
        let socket = try NotifySocket()
        let (daemon, file) = try Self.daemon(socket, configuredWith: "publish-interval = 100\nlog-level = \"info\"\n")

        let reload = try #require(
            try Self.reload(daemon, file: file, to: "publish-interval = 40\nlog-level = \"debug\"\nmax-event-bytes = 0\n", socket),
            "no READY=1 after a refused reload; log:\n\(daemon.log)")
        #expect(reload.dropLast().contains { $0.assignments.contains("RELOADING=1") }, "\(reload.map(\.assignments))")
        #expect(reload.last?.assignments.contains("MAINPID=\(daemon.process.processIdentifier)") == true)
        let refused = try #require(Self.waitForLine(containing: "reload refused", in: daemon), "log:\n\(daemon.log)")
        #expect(refused.contains("reload refused, the running configuration stays: configuration file \(file), line 3, key \"max-event-bytes\""), "\(refused)")

        // Still serving, still at level info (a snapshot logs a debug line), still at 100 ms.
        #expect((try? daemon.snapshot(subtree: "/sys/ingest", timeout: .seconds(5))) != nil, "log:\n\(daemon.log)")
        #expect(!daemon.log.contains("snapshot of"), "debug lines after a refused reload; log:\n\(daemon.log)")
        #expect(!daemon.log.contains("publish interval is now"), "log:\n\(daemon.log)")
        #expect(!daemon.log.contains("reloaded configuration"), "log:\n\(daemon.log)")

        // What the running configuration is, said by the next reload: only the log level changes.
        #expect(try Self.reload(daemon, file: file, to: "publish-interval = 100\nlog-level = \"debug\"\n", socket) != nil, "log:\n\(daemon.log)")
        let line = try #require(Self.waitForLine(containing: "reloaded configuration", in: daemon), "log:\n\(daemon.log)")
        #expect(line.hasSuffix("reloaded configuration from \(file): log-level info → debug"), "\(line)")
        _ = try daemon.snapshot(subtree: "/sys/ingest", timeout: .seconds(5))
        #expect(Self.waitForLine(containing: "snapshot of /sys/ingest", in: daemon) != nil, "log:\n\(daemon.log)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }

    /// README.md, "Running under systemd" (STATUS=), and casepulsed(8), SYSTEMD: the status line
    /// reads `serving: N events/s, N accepted, N refused, N keys, seq N, last gap p: a…b`. On the
    /// real daemon, after two accepted events of a producer that skipped a number and one refused
    /// event, it counts them, its keys are the `/m/` keys a snapshot serves (`Engine.keyCount`
    /// counts the published figure keys, not `/sys/`), its seq is the snapshot's, and its gap is
    /// the missing number.
    @Test func theStatusLineSaysWhatTheDaemonCounted() throws {
        let socket = try NotifySocket()
        let daemon = try Self.daemon(socket)
        try Self.waitForReady(socket, daemon)
        // "gappy" sends 1 then 3; "sloppy" sends a region code one digit short, which is refused.
        let gapped = [1, 3].map { (seq: Int) in Filing.event("gap-\(seq)", producer: "gappy", seq: seq).json }
        let bad = Filing.event("bad", producer: "sloppy", region: "37081").json
        let replies = try HashmapProtocolTests.sendReliably(gapped + [bad], to: daemon.reliable).map { $0.first ?? "" }
        #expect(replies.sorted() == ["ACK", "ACK", "NACK"])

        let served = try daemon.snapshot(subtree: "/m/", timeout: .seconds(5))
        #expect(served.values.count > 0)
        let expected = "2 accepted, 1 refused, \(served.values.count) keys, seq \(served.sequence), last gap gappy: 2…2"
        var statuses: [String] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, let datagram = socket.receive(timeout: deadline - .now) {
            statuses += datagram.assignments.filter { $0.hasPrefix("STATUS=") }
            if statuses.last?.wholeMatch(of: /STATUS=serving: [0-9.]+ events\/s, (.+)/)?.1 == expected[...] { break }
        }
        #expect(statuses.last?.wholeMatch(of: /STATUS=serving: [0-9.]+ events\/s, (.+)/)?.1 == expected[...],
                "wanted …\(expected); STATUS lines: \(statuses)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }

    @Test func underTheJournalEveryLineCarriesItsPriorityAndNoTimestamp() throws {
        let socket = try NotifySocket()
        let scratch = try TemporaryDirectory(prefix: "casepulse-journal"), directory = scratch.path
        let logPath = "\(directory)/stderr"
        #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
        var info = stat()
        #expect(stat(logPath, &info) == 0)
        let process = Process()
        process.executableURL = DaemonProcess.binary
        process.arguments = ["--snapshot", "ipc://\(directory)/s", "--publish", "ipc://\(directory)/p",
                             "--ingest", "ipc://\(directory)/i", "--reliable", "ipc://\(directory)/r",
                             "--state-dir", "\(directory)/state"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["NOTIFY_SOCKET": socket.path, "JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]) { _, new in new }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        #expect(socket.receive(until: "READY=1", timeout: .seconds(30)) != nil)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<6>serving ") }, "\(lines)")
        #expect(lines.contains("<6>stopped"), "\(lines)")
        #expect(lines.allSatisfy { $0.wholeMatch(of: /<[0-7]>[^<].*/) != nil }, "\(lines)")
    }

    @Test func checkConfigPrintsTheEffectiveConfigurationOrRefusesTheFileLineAndKey() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-check"), directory = scratch.path
        let good = "\(directory)/good.toml"
        try "# a comment\npublish-interval = 250\n".write(toFile: good, atomically: true, encoding: .utf8)
        let (status, stdout, _) = try Self.run(["--check-config", "--config", good, "--day-retention", "30"],
                                               environment: ["CASEPULSE_FSYNC": "always"])
        #expect(status == 0)
        #expect(stdout.contains("publish-interval = 250  # configuration file \(good), line 2"), "\(stdout)")
        #expect(stdout.contains("day-retention = 30  # --day-retention"), "\(stdout)")
        #expect(stdout.contains("fsync = \"always\"  # environment variable CASEPULSE_FSYNC"), "\(stdout)")

        let bad = "\(directory)/bad.toml"
        try "publish-interval = 250\n\nmax-event-bytes = 0\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try Self.run(["--check-config", "--config", bad])
        #expect(refused.status != 0)
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("\(bad), line 3, key \"max-event-bytes\""), "\(refused.stderr)")
    }

    /// `--check-config` refuses what a start would refuse before serving (the state directory, the
    /// certificate, the allowlists) with the same line and status, and creates nothing.
    @Test(arguments: [
        (["--state-dir", "/proc/casepulse-state"], "state directory /proc/casepulse-state"),
        (["--curve-cert", "/etc/casepulse/server.key_secret"], "rather than accept any key"),
        (["--curve-cert", "/nonexistent/server.key_secret", "--producer-keys", "/tmp"], "/nonexistent/server.key_secret"),
    ])
    func checkConfigRefusesWhatAStartWouldRefuse(arguments: [String], mentioned: String) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-check"), directory = scratch.path
        let (status, stdout, stderr) = try Self.run(["--check-config", "--state-dir", "\(directory)/state"] + arguments)
        #expect(status == 78)
        #expect(stdout.isEmpty, "\(stdout)")
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
        #expect(stderr.hasPrefix("casepulsed: ") && stderr.contains(mentioned), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/state"))
    }

    @Test func checkConfigPassesAStateDirectoryAStartWouldCreateAndCreatesNothing() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-check"), directory = scratch.path
        let (status, stdout, stderr) = try Self.run(["--check-config", "--state-dir", "\(directory)/a/b/state"])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("state-dir = \"\(directory)/a/b/state\""), "\(stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test(arguments: [
        (["--state-dir", "/proc/casepulse-state"], "state directory /proc/casepulse-state"),
        (["--curve-cert", "/etc/casepulse/server.key_secret"], "rather than accept any key"),
        (["--fsync", "never"], "never"),
    ])
    func whatCannotRunIsRefusedInOneLine(arguments: [String], mentioned: String) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-refuse"), directory = scratch.path
        let (status, _, stderr) = try Self.run(
            ["--snapshot", "ipc://\(directory)/s", "--publish", "ipc://\(directory)/p", "--ingest", "ipc://\(directory)/i",
             "--reliable", "ipc://\(directory)/r", "--state-dir", "\(directory)/state"] + arguments)
        #expect(status != 0)
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
        #expect(stderr.hasPrefix("casepulsed: ") && stderr.contains(mentioned), "\(stderr)")
    }

    /// Runs casepulsed to completion: status, stdout, stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let run = try CompletedProcess.run(DaemonProcess.binary, arguments, environment: environment)
        return (run.status, run.stdout, run.stderr)
    }

    /// The instants at which `WATCHDOG=1` arrived during `duration`.
    static func pings(_ socket: NotifySocket, for duration: Duration) -> [ContinuousClock.Instant] {
        let end = ContinuousClock.now + duration
        var pings: [ContinuousClock.Instant] = []
        while ContinuousClock.now < end {
            guard let datagram = socket.receive(timeout: end - .now) else { break }
            if datagram.assignments.contains("WATCHDOG=1") { pings.append(datagram.at) }
        }
        return pings
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The first log line containing `text`, waiting up to 10 s for it.
    static func waitForLine(containing text: String, in daemon: DaemonProcess) -> String? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let line = daemon.log.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            usleep(50_000)
        }
        return nil
    }
}
