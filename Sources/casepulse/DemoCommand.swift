import ArgumentParser
import CasePulseClient

/// `casepulse demo`: feeds simulated Jining case events into the best-effort ingest.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Send a simulated stream of Jining (370800) case events to casepulsed.",
        discussion: """
            Five backends (scjg, zrzy, sthj, jtys, whly) file cases in Jining's twelve counties and decide, \
            close, correct or void them later; event times stay near the wall clock. The same --seed gives \
            the same events. Runs until --duration elapses or SIGINT.
            """)

    @Option(name: .customLong("ingest"), help: ArgumentHelp("Best-effort ingest endpoint (the daemon's --ingest).", valueName: "EP"))
    var ingest = DefaultEndpoints.ingest

    @Option(name: .customLong("rate"), help: ArgumentHelp("Events per second.", valueName: "N"))
    var rate: Double = 50

    @Option(name: .customLong("seed"), help: ArgumentHelp("Seed of the simulation (default: from the clock).", valueName: "S"))
    var seed: UInt64?

    @Option(name: .customLong("duration"), help: ArgumentHelp("Stop after this many seconds (default: run until interrupted).", valueName: "SECONDS"))
    var duration: Double?

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds to wait for the daemon's subscription.", valueName: "SECONDS"))
    var timeout = 10

    @OptionGroup var curve: CurveOptions

    func validate() throws {
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        if let duration, !(duration >= 0) { throw ValidationError("--duration must not be negative") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        try CommandFailure.reporting {
            StopSignal.install()
            let start = Terminal.unixNanoseconds
            let seed = seed ?? UInt64(bitPattern: start)
            let context = try PublishCommand.context()
            var feed = DemoFeed(seed: seed, start: start, rate: rate)
            var progress = ProgressLine()
            Terminal.writeError("casepulse demo: seed \(seed), \(Int(rate)) events/s to \(ingest)\n")
            do {
                let publisher = try EventPublisher(
                    context: context, endpoint: ingest, subscriptionTimeout: .seconds(timeout), curve: try curve.keys())
                try publisher.waitForSubscriber()
                let deadline = duration.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
                var pacer = Pacer(rate: rate)
                var sent = 0
                while !StopSignal.isRequested {
                    if let deadline, ContinuousClock.now >= deadline { break }
                    pacer.wait()
                    guard let event = feed.next() else { break }
                    try publisher.send(event)
                    sent += 1
                    progress.update("sent \(sent) events (\(feed.casesFiled) cases)  \(progress.perSecond(sent)) events/s")
                }
                publisher.close(linger: .seconds(10))
                progress.finish("sent \(sent) events (\(feed.casesFiled) cases)  \(progress.perSecond(sent)) events/s")
            }
        }
    }
}
