import Foundation
import Testing

/// `casepulse publish` best effort, the default, against a real daemon (casepulse(1), COMMANDS,
/// publish: "Sends the JSON Lines of file (standard input when it is - or missing) ... Best effort
/// (the default): from an XPUB to the daemon's ingest SUB, after waiting for its subscription,
/// never dropping; exit 0 once every event has left").
@Suite struct PublishCommandTests {
    /// Where the command is told to read its events.
    enum Source: String, CaseIterable, Sendable {
        /// `casepulse publish FILE`, standard input empty.
        case file
        /// `casepulse publish -`, the events on standard input.
        case dash
        /// `casepulse publish` with no file, the events on standard input.
        case missing
    }

    static let count = 2_000

    /// Writes the 2,000 filings, one a line, to `events.jsonl` in `directory`.
    static func writeEvents(in directory: URL) throws -> URL {
        let events = directory.appendingPathComponent("events.jsonl")
        try (0..<count).map { Filing.event("pub-\($0)", producer: "publish-app").json + "\n" }.joined()
            .write(to: events, atomically: true, encoding: .utf8)
        return events
    }

    /// Expects `daemon` to accept every one of the 2,000 filings within 20 s (the events have left
    /// when the command exits; the daemon takes them in as it reads them) and to count them filed.
    static func expectEveryEventCounted(by daemon: DaemonProcess, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = ContinuousClock.now + .seconds(20)
        var accepted = try daemon.ingestCounter("accepted")
        while accepted < count, ContinuousClock.now < deadline {
            usleep(50_000)
            accepted = try daemon.ingestCounter("accepted")
        }
        #expect(accepted == count, "\(what)", sourceLocation: sourceLocation)
        let all = try daemon.snapshot(subtree: "/m/all/@all", timeout: .seconds(5)).values["/m/all/@all"] ?? ""
        #expect(all.contains(#""filed":\#(count),"#), "\(all)", sourceLocation: sourceLocation)
    }

    /// Every one of 2,000 filings sent best effort is accepted and counted, and the command exits 0,
    /// whether it reads them from a file, from `-` or from standard input with no file named.
    @Test(arguments: Source.allCases)
    func bestEffortDeliversEveryEventAndExits0(from source: Source) throws {
        let daemon = try DaemonProcess()
        defer { daemon.terminate() }
        let events = try Self.writeEvents(in: daemon.directory)
        let options = ["--ingest", daemon.ingest, "--timeout", "10"]
        let (arguments, input) = switch source {
        case .file: (["publish", events.path] + options, URL(fileURLWithPath: "/dev/null"))
        case .dash: (["publish", "-"] + options, events)
        case .missing: (["publish"] + options, events)
        }

        let run = try CompletedProcess.run(DaemonProcess.cliBinary, arguments, input: input)
        #expect(run.status == 0, "stdout: \(run.stdout) stderr: \(run.stderr)")
        try Self.expectEveryEventCounted(by: daemon, "stderr: \(run.stderr)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }

    /// Started before the daemon, the command waits for its subscription (within `--timeout`)
    /// instead of sending into the void: every event still arrives.
    @Test func bestEffortWaitsForADaemonThatStartsLater() throws {
        let stopped = try DaemonProcess()
        stopped.terminate()
        let events = try Self.writeEvents(in: stopped.directory)
        let publish = try BackgroundProcess(
            DaemonProcess.cliBinary, ["publish", events.path, "--ingest", stopped.ingest, "--timeout", "20"],
            directory: stopped.directory)
        usleep(1_000_000)
        #expect(publish.process.isRunning, "it did not wait: \(publish.errors)")

        let daemon = try DaemonProcess(directory: stopped.scratch)
        defer { daemon.terminate() }
        #expect(publish.waitForExit(timeout: .seconds(30)) == 0, "stderr: \(publish.errors)")
        try Self.expectEveryEventCounted(by: daemon, "stderr: \(publish.errors)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log)")
    }
}
