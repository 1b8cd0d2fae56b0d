import ArgumentParser
import CasePulseClient
import ZeroMQ

/// `casepulse publish`: sends a JSON Lines file (or standard input) to the daemon, best-effort or
/// acknowledged.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Send JSON Lines case events (a file or standard input) to casepulsed.",
        discussion: """
            Best-effort (default): events go from an XPUB to the daemon's --ingest endpoint, after waiting \
            for the daemon's subscription; exit 0 once every event has left. Reliable (--reliable): every \
            event is ACKed or NACKed by the daemon; exit 1 if any was refused, printing the reasons.
            """)

    @Argument(help: ArgumentHelp("JSON Lines file; '-' or none reads standard input.", valueName: "FILE"))
    var file: String?

    @Option(name: .customLong("ingest"), help: ArgumentHelp("Best-effort ingest endpoint (the daemon's --ingest).", valueName: "EP"))
    var ingest: String?

    @Option(name: .customLong("reliable"), help: ArgumentHelp("Acknowledged ingest endpoint (the daemon's --reliable).", valueName: "EP"))
    var reliable: String?

    @Option(name: .customLong("rate"), help: ArgumentHelp("Most events per second (default: as fast as the daemon takes them).", valueName: "N"))
    var rate: Double?

    @Option(name: .customLong("window"), help: ArgumentHelp("Reliable: most events in flight.", valueName: "N"))
    var window = 1000

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds to wait for the daemon (subscription, replies).", valueName: "SECONDS"))
    var timeout = 10

    @OptionGroup var curve: CurveOptions

    func validate() throws {
        if ingest != nil, reliable != nil { throw ValidationError("use either --ingest or --reliable, not both") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        guard window > 0 else { throw ValidationError("--window must be positive") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        try CommandFailure.reporting {
            let reader = try JSONLinesReader(path: file)
            let context = try Self.context()
            if let reliable {
                try publishReliably(reader, to: reliable, context: context)
            } else {
                try publishBestEffort(reader, to: ingest ?? DefaultEndpoints.ingest, context: context)
            }
        }
    }

    static func context() throws(CasePulseClientError) -> Context {
        do { return try Context() } catch { throw .zeroMQ(action: "cannot create a ZeroMQ context", error: error) }
    }

    private func publishBestEffort(_ reader: JSONLinesReader, to endpoint: String, context: Context) throws {
        var progress = ProgressLine()
        var sent = 0
        do {
            let publisher = try EventPublisher(
                context: context, endpoint: endpoint, subscriptionTimeout: .seconds(timeout), curve: try curve.keys())
            var pacer = Pacer(rate: rate)
            for line in reader {
                pacer.wait()
                try publisher.send(json: line.text)
                sent += 1
                progress.update("sent \(sent)  \(progress.perSecond(sent)) events/s")
            }
            // Queued events keep leaving; releasing the context (on return) waits for them.
            publisher.close(linger: .seconds(30))
        }
        if let error = reader.error { throw error }
        progress.finish("sent \(sent)  \(progress.perSecond(sent)) events/s  (best-effort, \(endpoint))")
    }

    private func publishReliably(_ reader: JSONLinesReader, to endpoint: String, context: Context) throws {
        var progress = ProgressLine()
        let publisher = try ReliablePublisher(
            context: context, endpoint: endpoint, window: window, replyTimeout: .seconds(timeout), rate: rate,
            curve: try curve.keys())
        defer { publisher.close() }
        let report = try publisher.send(reader.identified()) { report in
            progress.update(Self.describe(report, perSecond: progress.perSecond(report.sent)))
        }
        if let error = reader.error { throw error }
        progress.finish(Self.describe(report, perSecond: progress.perSecond(report.sent)))
        for nack in report.nacks.prefix(20) {
            Terminal.writeError("NACK \(nack.id): \(nack.reason): \(nack.detail)\n")
        }
        if report.nacked > 20 { Terminal.writeError("… and \(report.nacked - 20) more NACKs\n") }
        for id in report.unanswered.prefix(20) {
            Terminal.writeError("no reply for \(id) after \(publisher.maxAttempts) attempts\n")
        }
        if report.unanswered.count > 20 { Terminal.writeError("… and \(report.unanswered.count - 20) more without reply\n") }
        if !report.allAccepted { throw ExitCode.failure }
    }

    private static func describe(_ report: ReliableReport, perSecond: Int) -> String {
        var text = "sent \(report.sent)  acked \(report.accepted)  nacked \(report.nacked)  \(perSecond) events/s"
        if report.inFlight > 0 { text += "  in flight \(report.inFlight)" }
        if report.retransmitted > 0 { text += "  retransmitted \(report.retransmitted)" }
        if !report.unanswered.isEmpty { text += "  unanswered \(report.unanswered.count)" }
        return text
    }
}
