import ArgumentParser
import CasePulseClient

/// `casepulse watch`: a snapshot, then live updates, as a refreshing table or JSON lines.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow the daemon's aggregates live: a refreshing table, or JSON lines with --json.",
        discussion: """
            --json prints one line per change, {"sequence": N, "key": K, "value": V|null}, the snapshot's \
            entries first. The table shows one row per /m/ key under SUBTREE (as many as the terminal has \
            lines, shallower keys first) and the /sys/ingest counters. Ends on SIGINT, or with exit \
            status 77 once the daemon has refused this client's key for 2 s (revoked by a reload).
            """)

    @Argument(help: ArgumentHelp("Key prefix to follow.", valueName: "SUBTREE"))
    var subtree = "/m/all/"

    @Option(name: .customLong("snapshot"), help: ArgumentHelp("The daemon's snapshot endpoint.", valueName: "EP"))
    var snapshot = DefaultEndpoints.snapshot

    @Option(name: .customLong("publish"), help: ArgumentHelp("The daemon's update (PUB) endpoint.", valueName: "EP"))
    var publish = DefaultEndpoints.publish

    @Flag(name: .customLong("json"), help: "Print one JSON line per change instead of a table.")
    var json = false

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds to wait for the snapshot.", valueName: "SECONDS"))
    var timeout = 5

    @OptionGroup var curve: CurveOptions

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        try CommandFailure.reporting {
            StopSignal.install()
            let context = try PublishCommand.context()
            let wantsIngest = !json && !"/sys/ingest".hasPrefix(subtree)
            let client = try HashmapClient(
                context: context, snapshotEndpoint: snapshot, publishEndpoint: publish,
                subtrees: wantsIngest ? [subtree, WatchTable.ingestKey] : [subtree], timeout: .seconds(timeout),
                curve: try curve.keys())
            defer { client.close() }
            if json {
                try followJSON(client)
            } else {
                try followTable(client)
            }
        }
    }

    private func followJSON(_ client: HashmapClient) throws {
        var out = ""
        for key in client.entries.keys.sorted() where key.hasPrefix(subtree) {
            if let entry = client.entries[key] { out += Self.line(key: key, sequence: entry.sequence, value: entry.value) }
        }
        Terminal.writeOutput(out)
        while !StopSignal.isRequested {
            let changes = try client.poll(timeout: .milliseconds(250))
            out = ""
            for change in changes where change.key.hasPrefix(subtree) {
                out += Self.line(key: change.key, sequence: change.sequence, value: change.value)
            }
            if !out.isEmpty { Terminal.writeOutput(out) }
        }
    }

    private static func line(key: String, sequence: UInt64, value: String?) -> String {
        "{\"sequence\":\(sequence),\"key\":\(JSONText.quoted(key)),\"value\":\(JSONText.embedded(value))}\n"
    }

    private func followTable(_ client: HashmapClient) throws {
        let isTTY = Terminal.standardOutputIsTTY
        let table = WatchTable(subtree: subtree, ansi: isTTY)
        let interval: Duration = isTTY ? .milliseconds(250) : .seconds(2)
        var lastDraw: ContinuousClock.Instant?
        var dirty = true
        if isTTY { Terminal.writeOutput("\u{1B}[?25l\u{1B}[2J") }
        defer { if isTTY { Terminal.writeOutput("\u{1B}[?25h\n") } }
        while !StopSignal.isRequested {
            let now = ContinuousClock.now
            // On a terminal, redraw at least every second (the heartbeat age moves), at most 4×/s.
            let due = lastDraw.map { now - $0 >= (dirty || !isTTY ? interval : .seconds(1)) } ?? true
            if due, dirty || isTTY {
                Terminal.writeOutput(table.render(client, rows: Terminal.lines, columns: Terminal.columns))
                lastDraw = now
                dirty = false
            }
            if try !client.poll(timeout: .milliseconds(100)).isEmpty { dirty = true }
        }
    }
}
