import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// The exit statuses casepulsed(8) and casepulse(1) document, each asserted exactly: 64 for a
/// usage error, 78 (`EX_CONFIG`, which `Deploy/casepulsed.service` does not restart on) for a bad
/// configuration, 1 for what a restart may mend; and `casepulse publish --reliable` exits 1 when
/// the daemon refused an event.
@Suite struct ExitStatusTests {
    /// casepulsed's sysexits(3) `EX_USAGE`: an unknown option or a malformed option value.
    static let usage: Int32 = 64
    /// casepulsed's sysexits(3) `EX_CONFIG`: a bad configuration (`RestartPreventExitStatus=78`).
    static let configuration: Int32 = 78

    /// Runs casepulsed with its endpoints on ipc in `scratch` (so a daemon that accepts what it
    /// should refuse binds nothing shared) and `arguments` until it exits; `nil` when it was still
    /// running after 20 s, serving what it should have refused (it is killed then).
    static func daemonExit(_ arguments: [String], endpointsIn scratch: String) throws -> (status: Int32?, stderr: String) {
        let logs = try TemporaryDirectory(prefix: "casepulse-exit-log")
        let daemon = try BackgroundProcess(
            DaemonProcess.binary,
            ["--snapshot", "ipc://\(scratch)/s", "--publish", "ipc://\(scratch)/p", "--ingest", "ipc://\(scratch)/i",
             "--reliable", "ipc://\(scratch)/r"] + arguments,
            directory: logs.url)
        let status = daemon.waitForExit(timeout: .seconds(20))
        return (status, daemon.errors)
    }

    /// Runs `casepulsed --check-config` with `arguments` to completion.
    static func checkConfig(_ arguments: [String]) throws -> CompletedProcess {
        try CompletedProcess.run(DaemonProcess.binary, ["--check-config"] + arguments)
    }

    /// Whether `stderr` is the one `casepulsed: …` line the documentation promises, mentioning
    /// `text`.
    static func isOneLine(_ stderr: String, mentioning text: String) -> Bool {
        stderr.split(separator: "\n").count == 1 && stderr.hasPrefix("casepulsed: ") && stderr.contains(text)
    }

    // MARK: 64, usage

    /// An unknown option and a value that does not parse are usage errors: 64, and the daemon
    /// does not start. README.md ("A bad flag … ends the daemon at once with one line on
    /// stderr") and the contract promise one line, where ArgumentParser's own `main` printed its
    /// error, the usage and a help hint (``CasePulseDaemon/main()`` now prints one line).
    @Test(arguments: [
        (["--no-such-flag"], "Unknown option '--no-such-flag'"),
        (["--publish-interval", "abc"], "The value 'abc' is invalid for '--publish-interval <MS>'"),
    ])
    func usageErrorsExit64(arguments: [String], mentioned: String) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-exit")
        let (status, stderr) = try Self.daemonExit(arguments + ["--state-dir", scratch.appending("state")], endpointsIn: scratch.path)
        #expect(status == Self.usage, "stderr: \(stderr)")
        #expect(stderr.contains(mentioned), "stderr: \(stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.appending("state")), "a refused start created its state")
        #expect(stderr.split(separator: "\n").count == 1, "stderr: \(stderr)")
        #expect(stderr.hasPrefix("casepulsed: \(mentioned)") && stderr.contains("--help"), "stderr: \(stderr)")
    }

    /// casepulse's usage errors, in a subcommand or of the command itself: 64 and the one
    /// `casepulse: …` line every other failure of casepulse gives, naming the help to read, where
    /// ArgumentParser's own `main` printed its error, the usage and a hint on three lines
    /// (``CasePulseCommand/main()``). casepulse(1), EXIT STATUS.
    @Test(arguments: [
        (["publish", "--bogus"], "Unknown option '--bogus' (see casepulse publish --help)"),
        (["watch", "--timeout", "abc"], "The value 'abc' is invalid for '--timeout <SECONDS>' (see casepulse watch --help)"),
        (["keygen", "bad name"], "NAME must be 1 to 64 of [A-Za-z0-9._-] (see casepulse keygen --help)"),
        (["verify"], "Missing expected argument '--state-dir <DIR>' (see casepulse verify --help)"),
        (["nosuch"], "Unexpected argument 'nosuch' (see casepulse --help)"),
    ])
    func cliUsageErrorsExit64InOneLine(arguments: [String], line: String) throws {
        let run = try CompletedProcess.run(DaemonProcess.cliBinary, arguments)
        #expect(run.status == Self.usage, "stderr: \(run.stderr)")
        #expect(run.stderr == "casepulse: \(line)\n")
        #expect(run.stdout.isEmpty, "stdout: \(run.stdout)")
    }

    /// Help is not an error: printed on standard output, status 0, as ArgumentParser prints it.
    @Test func cliHelpIsPrintedAsBefore() throws {
        let run = try CompletedProcess.run(DaemonProcess.cliBinary, ["publish", "--help"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.hasPrefix("OVERVIEW: Send JSON Lines case events"), "stdout: \(run.stdout)")
        #expect(run.stdout.contains("USAGE: casepulse publish"))
    }

    // MARK: 78, a bad configuration

    /// A configuration file with a bad value, an unknown key, bad TOML, or named but missing: 78
    /// and one line naming the file, from `--check-config` as from a start.
    @Test(arguments: [
        ("bad value", "publish-interval = 250\n\nmax-event-bytes = 0\n", "line 3, key \"max-event-bytes\""),
        ("unknown key", "nonsense = 1\n", "line 1, key \"nonsense\": unknown key"),
        ("not TOML", "publish-interval = \n", "line 1, key \"publish-interval\": not valid TOML"),
        ("missing", nil, "does not exist"),
    ] as [(String, String?, String)])
    func aBadConfigurationFileExits78(kind: String, text: String?, mentioned: String) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-exit")
        let file = scratch.appending("casepulsed.toml")
        if let text { try text.write(toFile: file, atomically: true, encoding: .utf8) }

        let checked = try Self.checkConfig(["--config", file, "--state-dir", scratch.appending("state")])
        #expect(checked.status == Self.configuration, "\(kind): \(checked.stderr)")
        #expect(checked.stdout.isEmpty, "\(kind): \(checked.stdout)")
        #expect(Self.isOneLine(checked.stderr, mentioning: "configuration file \(file)"), "\(kind): \(checked.stderr)")
        #expect(checked.stderr.contains(mentioned), "\(kind): \(checked.stderr)")

        let started = try Self.daemonExit(["--config", file, "--state-dir", scratch.appending("state")], endpointsIn: scratch.path)
        #expect(started.status == Self.configuration, "\(kind): \(started.stderr)")
        #expect(Self.isOneLine(started.stderr, mentioning: mentioned), "\(kind): \(started.stderr)")
    }

    /// A bad value on the command line, or in the environment: 78, one line, not a usage error
    /// (the value parses; the configuration refuses it).
    @Test(arguments: [
        (["--publish-interval", "-5"], [:], "--publish-interval: must be 0 or more milliseconds, not -5"),
        (["--timezone", "Mars/Olympus"], [:], "--timezone: unknown IANA zone 'Mars/Olympus'"),
        (["--log-level", "loud"], [:], "--log-level: unknown level 'loud'"),
        (["--fsync", "never"], [:], "--fsync: unknown mode 'never'"),
        ([], ["CASEPULSE_PUBLISH_INTERVAL": "-5"], "CASEPULSE_PUBLISH_INTERVAL"),
    ] as [([String], [String: String], String)])
    func aBadValueExits78(arguments: [String], environment: [String: String], mentioned: String) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-exit")
        let run = try CompletedProcess.run(
            DaemonProcess.binary, ["--check-config", "--state-dir", scratch.appending("state")] + arguments, environment: environment)
        #expect(run.status == Self.configuration, "\(run.stderr)")
        #expect(Self.isOneLine(run.stderr, mentioning: mentioned), "\(run.stderr)")
    }

    /// `--curve-cert` with neither `--producer-keys` nor `--subscriber-keys` would admit any key:
    /// 78 from a start and from `--check-config`, with a certificate that is itself good.
    @Test func curveWithoutAnAllowlistExits78() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-exit")
        let pair = try CurveKeyPair.generate()
        try CurveCertificate(name: "casepulsed", publicKey: pair.publicKey, secretKey: pair.secretKey).write(to: scratch.path)
        let arguments = ["--curve-cert", scratch.appending("casepulsed.key_secret"), "--state-dir", scratch.appending("state")]
        let mentioned = "--curve-cert needs --producer-keys and/or --subscriber-keys: refusing to start rather than accept any key"

        let started = try Self.daemonExit(arguments, endpointsIn: scratch.path)
        #expect(started.status == Self.configuration, "\(started.stderr)")
        #expect(Self.isOneLine(started.stderr, mentioning: mentioned), "\(started.stderr)")
        let checked = try Self.checkConfig(arguments)
        #expect(checked.status == Self.configuration, "\(checked.stderr)")
        #expect(Self.isOneLine(checked.stderr, mentioning: mentioned), "\(checked.stderr)")
    }

    /// A state directory that cannot be created (under /proc): 78 from a start and from
    /// `--check-config`, with one line naming it and the errno.
    @Test func anUnusableStateDirectoryExits78() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-exit")
        let state = "/proc/casepulse-state-\(UUID().uuidString.prefix(8))"
        let mentioned = "state directory \(state) is not usable: cannot create \(state):"

        let started = try Self.daemonExit(["--state-dir", state], endpointsIn: scratch.path)
        #expect(started.status == Self.configuration, "\(started.stderr)")
        #expect(Self.isOneLine(started.stderr, mentioning: mentioned) && started.stderr.contains("(errno "), "\(started.stderr)")
        let checked = try Self.checkConfig(["--state-dir", state])
        #expect(checked.status == Self.configuration, "\(checked.stderr)")
        #expect(Self.isOneLine(checked.stderr, mentioning: mentioned), "\(checked.stderr)")
    }

    // MARK: 1, what a restart may mend

    /// An endpoint held by a plain (non-ZeroMQ) tcp listener: 1, which the unit restarts on, with
    /// one line naming the endpoint and `errno 98`. (DaemonLifecycleTests holds it with a ZeroMQ
    /// socket.)
    @Test func anEndpointHeldByAPlainSocketExits1() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-exit")
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, generic, &length) == 0
            }
        }
        try #require(bound, "errno \(errno)")
        let endpoint = "tcp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"

        // A second ingest endpoint beside daemonExit's ipc one (the flag is repeatable).
        let (status, stderr) = try Self.daemonExit(["--ingest", endpoint, "--state-dir", scratch.appending("state")], endpointsIn: scratch.path)
        #expect(status == 1, "\(stderr)")
        #expect(Self.isOneLine(stderr, mentioning: "cannot bind ingest endpoint \(endpoint)"), "\(stderr)")
        #expect(stderr.contains("errno 98"), "\(stderr)")
    }

    /// A state directory another casepulsed holds: 1 (the unit restarts; the other may be gone by
    /// then), one line naming the lock, and the running daemon goes on unharmed.
    @Test func aStateDirectoryInUseExits1() throws {
        let running = try DaemonProcess()
        let scratch = try TemporaryDirectory(prefix: "casepulse-exit")
        let started = try Self.daemonExit(["--state-dir", running.stateDirectory], endpointsIn: scratch.path)
        #expect(started.status == 1, "\(started.stderr)")
        #expect(
            Self.isOneLine(started.stderr, mentioning: "state directory \(running.stateDirectory) is in use by another casepulsed"),
            "\(started.stderr)")
        #expect(try running.snapshot(subtree: "/sys/ingest", timeout: .seconds(5)).values["/sys/ingest"] != nil)
        #expect(running.terminate() == 0, "log: \(running.log)")
    }

    // MARK: casepulse publish --reliable

    /// `casepulse publish --reliable` with one event the daemon refuses among good ones: every
    /// event is answered, the good ones are counted, the refusal is printed with its id, reason
    /// and detail, and the command exits 1 (casepulse(1): "exits 1 if any was refused, printing
    /// the reasons").
    @Test func reliablePublishExits1WhenAnEventIsRefusedAndPrintsWhy() throws {
        let daemon = try DaemonProcess()
        defer { daemon.terminate() }
        let file = daemon.directory.appendingPathComponent("events.jsonl").path
        try [("ok-1", "370812"), ("bad-region", "37081X"), ("ok-2", "370812001")]
            .map { Filing.event($0, producer: "scjg-backend", region: $1).json + "\n" }.joined()
            .write(toFile: file, atomically: true, encoding: .utf8)

        let run = try CompletedProcess.run(DaemonProcess.cliBinary, ["publish", "--reliable", daemon.reliable, file, "--timeout", "10"])
        #expect(run.status == 1, "stdout: \(run.stdout) stderr: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("sent 3  acked 2  nacked 1  ") }, "\(run.stderr)")
        #expect(lines.contains("NACK bad-region: invalid: region: must be 6, 9 or 12 digits"), "\(run.stderr)")
        #expect(!run.stderr.contains("NACK ok-"), "\(run.stderr)")

        let ingest = try #require(try daemon.snapshot(subtree: "/sys/ingest", timeout: .seconds(5)).values["/sys/ingest"])
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(ingest.utf8)) as? [String: Any])
        #expect(figures["accepted"] as? Int == 2, "\(ingest)")
        #expect(figures["rejected"] as? Int == 1, "\(ingest)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }
}
