import Foundation

/// Runs every measurement of `casepulse bench` in one go and returns the report.
///
/// Order: the ceiling; the daemon at a quarter, a half and all of the cases (each a fresh daemon
/// and state directory); restart of the largest state; latency at each steady rate on a fresh
/// daemon with `--publish-interval 0`; journal replay in process.
public enum BenchRunner {
    /// Runs the benchmark; `progress` receives one line per step.
    public static func run(_ options: BenchOptions, progress: (String) -> Void) throws -> BenchReport {
        let fileManager = FileManager.default
        let work = URL(fileURLWithPath: options.workDirectory)
            .appendingPathComponent("casepulse-bench-\(getpid())", isDirectory: true)
        try? fileManager.removeItem(at: work)
        try fileManager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { if !options.keep { try? fileManager.removeItem(at: work) } }
        guard fileManager.isExecutableFile(atPath: options.daemonBinary) else {
            throw BenchError("no casepulsed at \(options.daemonBinary) (give --daemon)")
        }
        let log = work.appendingPathComponent("casepulsed.log")
        let feed = BenchEventFeed(eventsPerCase: 3)
        let largest = options.cases * 3

        progress("ceiling: \(largest) messages PUB → SUB")
        let ceiling = try TransportCeiling.measure(count: largest, port: options.basePort + 10, feed: feed)
        progress("  \(BenchReport.rate(ceiling)) msg/s")

        var sizes: [DaemonIngestRun.Figures] = []
        var largestState = ""
        for cases in [options.cases / 4, options.cases / 2, options.cases] where cases > 0 {
            let state = work.appendingPathComponent("state-\(cases)").path
            progress("daemon: \(cases) cases, \(cases * 3) events, --fsync batch")
            let figures = try DaemonIngestRun.measure(
                binary: options.daemonBinary, basePort: options.basePort, cases: cases, stateDirectory: state, log: log)
            progress("  \(BenchReport.rate(figures.eventsPerSecond)) ev/s, VmHWM \(figures.peakResidentBytes / 1_048_576) MiB")
            sizes.append(figures)
            largestState = state
        }

        progress("restart on \(options.cases) cases")
        let restart = try DaemonIngestRun.restartToServing(
            binary: options.daemonBinary, basePort: options.basePort, stateDirectory: largestState, log: log)
        progress("  serving after \(BenchReport.fixed(restart.seconds, 2)) s")
        if !options.keep { for size in sizes { try? fileManager.removeItem(atPath: work.appendingPathComponent("state-\(size.cases)").path) } }

        var latencies: [LatencyRun.Figures] = []
        let daemon = try DaemonProcess(
            binary: options.daemonBinary, basePort: options.basePort,
            stateDirectory: work.appendingPathComponent("state-latency").path, publishIntervalMilliseconds: 0, log: log)
        try daemon.start()
        defer { if daemon.isRunning { daemon.stop() } }
        var caseOffset = 50_000_000
        for rate in options.latencyRates {
            let count = max(100, Int(rate * options.latencySeconds))
            progress("latency: \(count) events at \(Int(rate))/s")
            let figures = try LatencyRun.measure(daemon: daemon, rate: rate, count: count, warmup: count / 10, caseOffset: caseOffset)
            progress("  p50 \(BenchReport.micros(figures.p50)) p99 \(BenchReport.micros(figures.p99)) p99.9 \(BenchReport.micros(figures.p999))")
            latencies.append(figures)
            caseOffset += count
        }
        daemon.stop()

        progress("replay: \(options.replayEvents) journal events")
        let replay = try ReplayRun.measure(
            events: options.replayEvents, stateDirectory: work.appendingPathComponent("state-replay").path)
        progress("  \(BenchReport.rate(replay.eventsPerSecond)) ev/s")

        return BenchReport(
            bodyBytes: feed.bodySizes, ceiling: ceiling, ceilingEvents: largest, sizes: sizes, latencies: latencies,
            replay: replay, restartSeconds: restart.seconds, restartPeakBytes: restart.peakResidentBytes)
    }
}
