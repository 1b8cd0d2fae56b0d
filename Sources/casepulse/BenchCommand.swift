import ArgumentParser
import CasePulseBench
import Foundation

/// `casepulse bench`: the transport's ceiling, the daemon's ingest, latency, replay, restart and
/// memory, in one run, as a markdown table with ratios.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure casepulsed against libzmq's own ceiling: throughput, latency, replay, restart, memory.",
        discussion: """
            Runs the real casepulsed (release build next to this casepulse unless --daemon) as child processes \
            on loopback ports from --port; takes about two minutes at the defaults on two cores. Prints progress on \
            standard error and the table on standard output.
            """)

    @Option(name: .customLong("daemon"), help: ArgumentHelp("The casepulsed binary.", valueName: "PATH"))
    var daemon: String?

    @Option(name: .customLong("cases"), help: "Cases of the largest size (3 events each); also a quarter and a half.")
    var cases = 1_000_000

    @Option(name: .customLong("replay-events"), help: "Journal events replayed (with --engine-only, events applied).")
    var replayEvents = 1_000_000

    @Option(name: .customLong("latency-seconds"), help: "Seconds of each steady-rate latency run.")
    var latencySeconds = 5.0

    @Option(name: .customLong("rate"), help: "Steady rates of the latency runs (repeatable).")
    var rates: [Double] = [10_000, 100_000]

    @Option(
        name: .customLong("sustained-events"),
        help: "Events of a sustained run at the first rate that spans the daemon's checkpoints (0 skips it).")
    var sustainedEvents = 250_000

    @Option(
        name: .customLong("checkpoint-events"),
        help: "--checkpoint-events of every casepulsed started; the sustained run spans a checkpoint if it sends at least this many.")
    var checkpointEvents = BenchOptions.defaultCheckpointEvents

    @Option(name: .customLong("port"), help: "First of the loopback ports used (P to P+3, P+10 to P+12).")
    var port = 27_600

    @Option(name: .customLong("work-dir"), help: ArgumentHelp("Where state directories go.", valueName: "DIR"))
    var workDirectory = "/tmp"

    @Flag(name: .customLong("keep"), help: "Keep the state directories and the daemon log.")
    var keep = false
    @Flag(
        name: .customLong("replay-only"),
        help: "Measure only the journal replay, in this process (no daemon, no sockets): seconds, and fit to run under a profiler.")
    var replayOnly = false
    @Flag(
        name: .customLong("engine-only"),
        help: "Measure only the engine as the ingest drives it, in this process (no daemon, sockets or journal): --replay-events events decoded and applied live; speed and memory per case.")
    var engineOnly = false

    func run() throws {
        try CommandFailure.reporting {
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            let binary = daemon ?? executable.deletingLastPathComponent().appendingPathComponent("casepulsed").path
            let options = BenchOptions(
                daemonBinary: binary, cases: cases, replayEvents: replayEvents, latencySeconds: latencySeconds,
                latencyRates: rates, sustainedEvents: sustainedEvents, checkpointEvents: checkpointEvents, basePort: port,
                workDirectory: workDirectory, keep: keep)
            if engineOnly {
                let live = try BenchRunner.liveApply(options) { Terminal.writeError($0 + "\n") }
                Terminal.writeOutput(BenchReport.liveApplyMarkdown(live))
                return
            }
            if replayOnly {
                let replay = try BenchRunner.replay(options) { Terminal.writeError($0 + "\n") }
                Terminal.writeOutput(BenchReport.replayMarkdown(replay))
                return
            }
            let report = try BenchRunner.run(options) { Terminal.writeError($0 + "\n") }
            Terminal.writeOutput(report.markdown)
        }
    }
}
