import Foundation

/// Runs every measurement of `casepulse bench` in one go and returns the report.
///
/// Order: the ceiling; the daemon at a quarter, a half and all of the cases (each a fresh daemon
/// and state directory); restart of the largest state with `--publish-interval 0`, and latency at
/// each steady rate on it (after the transport alone and the journal alone at the first rate),
/// then a sustained run at the first rate that spans checkpoints; latency at the first rate on a
/// fresh daemon, and on another with `--fsync off`; journal replay in process.
public enum BenchRunner {
    /// Runs the benchmark; `progress` receives one line per step.
    public static func run(_ options: BenchOptions, progress: (String) -> Void) throws -> BenchReport {
        let fileManager = FileManager.default
        let work = try workDirectory(options)
        defer { if !options.keep { try? fileManager.removeItem(at: work) } }
        guard fileManager.isExecutableFile(atPath: options.daemonBinary) else {
            throw BenchError("no casepulsed at \(options.daemonBinary) (give --daemon)")
        }
        let log = work.appendingPathComponent("casepulsed.log")
        let feed = BenchEventFeed(eventsPerCase: 3)
        let largest = options.cases * 3

        // On two cores one run of the ceiling varies by a factor of two or more (0.9M to 2.9M
        // messages a second within one session), as its four threads happen to be scheduled:
        // one run would make the ratio a coin toss.
        var ceilingRuns: [Double] = []
        for run in 1...TransportCeiling.runs {
            progress("ceiling \(run) of \(TransportCeiling.runs): \(largest) messages PUB → SUB")
            ceilingRuns.append(try TransportCeiling.measure(count: largest, port: options.basePort + 10, feed: feed))
            progress("  \(BenchReport.rate(ceilingRuns[run - 1])) msg/s")
        }
        let ceiling = TransportCeiling.median(ceilingRuns)

        var sizes: [DaemonIngestRun.Figures] = []
        var largestState = ""
        for cases in [options.cases / 4, options.cases / 2, options.cases] where cases > 0 {
            let state = work.appendingPathComponent("state-\(cases)").path
            progress("daemon: \(cases) cases, \(cases * 3) events, --fsync batch")
            let figures = try DaemonIngestRun.measure(
                binary: options.daemonBinary, basePort: options.basePort, cases: cases, stateDirectory: state,
                checkpointEvents: options.checkpointEvents, log: log)
            progress("  \(BenchReport.rate(figures.eventsPerSecond)) ev/s, VmHWM \(figures.peakResidentBytes / 1_048_576) MiB, \(figures.peakWithStopBytes / 1_048_576) MiB with the stop, \(BenchReport.fixed(figures.cpuMicrosecondsPerEvent, 2)) µs of daemon CPU per event")
            sizes.append(figures)
            largestState = state
            settle()
        }

        // The largest state restarted with `--publish-interval 0` is both the restart measurement
        // and the steady state the latency runs go to: a daemon that holds its cases, whose
        // tables are not growing. A fresh daemon's latency, tables growing, is measured after.
        progress("restart on \(options.cases) cases")
        let restart = try DaemonIngestRun.restartToServing(
            binary: options.daemonBinary, basePort: options.basePort, stateDirectory: largestState,
            publishIntervalMilliseconds: 0, checkpointEvents: options.checkpointEvents, log: log)
        progress("  serving after \(BenchReport.fixed(restart.seconds, 2)) s")
        var latencies: [LatencyRun.Figures] = []
        var sustained: LatencyRun.Figures?
        var journal: LatencyRun.Figures?
        var transport: LatencyRun.Figures?
        var caseOffset = 50_000_000
        do {
            defer { if restart.daemon.isRunning { restart.daemon.stop() } }
            // The machine's and the transport's floor under the latency runs: the same events
            // through a relay that does no work, as many as a short latency run.
            if let rate = options.latencyRates.first {
                let count = max(100, Int(rate * options.latencySeconds))
                progress("transport alone: \(count) events at \(Int(rate))/s through a relay that does no work")
                let figures = try TransportLatency.measure(
                    rate: rate, count: count, warmup: count / 10, ingestPort: options.basePort + 11,
                    publishPort: options.basePort + 12)
                transport = figures
                progress("  " + BenchReport.percentiles(figures, separator: " "))
            }
            // The disk's floor under the latency runs, right before them and on the same disk, as
            // long as the longest of them: this VM's disk stalls a sync for 0.1-0.5 s a few times a
            // minute, which a 2-second sample mostly misses.
            if let rate = options.latencyRates.first {
                let count = max(100, Int(rate * options.latencySeconds), options.sustainedEvents)
                progress("journal alone: \(count) events at \(Int(rate))/s, made durable")
                journal = try JournalCeiling.measure(
                    stateDirectory: work.appendingPathComponent("state-journal").path, rate: rate, count: count,
                    warmup: count / 10)
                if let journal { progress("  " + BenchReport.percentiles(journal, separator: " ")) }
            }
            for rate in options.latencyRates {
                latencies.append(try latency(on: restart.daemon, rate: rate, count: nil, options, caseOffset: &caseOffset, progress))
            }
            // A short run can fall between two checkpoints; a daemon that runs for years cannot.
            if let rate = options.latencyRates.first, options.sustainedEvents > 0 {
                progress("sustained, spanning checkpoints:")
                sustained = try latency(
                    on: restart.daemon, rate: rate, count: options.sustainedEvents, options, caseOffset: &caseOffset, progress)
            }
        }
        // After a crash no image is there (a start deletes it): the next start rebuilds every
        // aggregate from the case records, then replays the journal.
        progress("restart after SIGKILL on \(options.cases) cases")
        let crashed = try DaemonIngestRun.restartToServing(
            binary: options.daemonBinary, basePort: options.basePort, stateDirectory: largestState,
            publishIntervalMilliseconds: 0, checkpointEvents: options.checkpointEvents, log: log)
        crashed.daemon.crash()
        let rebuilt = try DaemonIngestRun.restartToServing(
            binary: options.daemonBinary, basePort: options.basePort, stateDirectory: largestState,
            publishIntervalMilliseconds: 0, checkpointEvents: options.checkpointEvents, log: log)
        rebuilt.daemon.stop()
        progress("  serving after \(BenchReport.fixed(rebuilt.seconds, 2)) s")
        settle()

        let fresh = try DaemonProcess(
            binary: options.daemonBinary, basePort: options.basePort,
            stateDirectory: work.appendingPathComponent("state-latency").path, publishIntervalMilliseconds: 0,
            checkpointEvents: options.checkpointEvents, log: log)
        try fresh.start()
        var freshLatency: LatencyRun.Figures?
        do {
            defer { if fresh.isRunning { fresh.stop() } }
            if let rate = options.latencyRates.first {
                progress("on a fresh daemon:")
                freshLatency = try latency(on: fresh, rate: rate, count: nil, options, caseOffset: &caseOffset, progress)
            }
        }
        // The same without the disk: what the daemon's own path (sockets, threads, decoding,
        // engine) adds, for comparison with the journal alone.
        var unsyncedLatency: LatencyRun.Figures?
        if let rate = options.latencyRates.first {
            let unsynced = try DaemonProcess(
                binary: options.daemonBinary, basePort: options.basePort,
                stateDirectory: work.appendingPathComponent("state-latency-unsynced").path, publishIntervalMilliseconds: 0,
                checkpointEvents: options.checkpointEvents, fsync: "off", log: log)
            try unsynced.start()
            defer { if unsynced.isRunning { unsynced.stop() } }
            progress("on a fresh daemon, --fsync off:")
            unsyncedLatency = try latency(on: unsynced, rate: rate, count: nil, options, caseOffset: &caseOffset, progress)
        }

        // The large states go only now: deleting gigabytes (with the file system's discards)
        // just before the fresh daemons would measure that, not them.
        if !options.keep { for size in sizes { try? fileManager.removeItem(atPath: work.appendingPathComponent("state-\(size.cases)").path) } }
        settle()
        let replay = try replay(options, in: work, progress: progress)

        return BenchReport(
            bodyBytes: feed.bodySizes, ceiling: ceiling, ceilingRuns: ceilingRuns, ceilingEvents: largest, sizes: sizes, latencies: latencies,
            sustainedLatency: sustained, checkpointEvents: options.checkpointEvents, freshLatency: freshLatency,
            journalLatency: journal, transportLatency: transport, unsyncedLatency: unsyncedLatency,
            replay: replay, restartSeconds: restart.seconds, restartPeakBytes: restart.peakResidentBytes,
            crashRestartSeconds: rebuilt.seconds)
    }

    /// Measures the journal replay alone (``BenchOptions/replayEvents`` events), in this process.
    public static func replay(_ options: BenchOptions, progress: (String) -> Void) throws -> ReplayRun.Figures {
        let work = try workDirectory(options)
        defer { if !options.keep { try? FileManager.default.removeItem(at: work) } }
        return try replay(options, in: work, progress: progress)
    }

    /// The engine alone as the ingest drives it (`casepulse bench --engine-only`), in this
    /// process: `replayEvents` events decoded and applied live.
    public static func liveApply(_ options: BenchOptions, progress: (String) -> Void) throws -> LiveApplyRun.Figures {
        progress("engine alone: \(options.replayEvents) events decoded and applied live")
        let figures = try LiveApplyRun.measure(events: options.replayEvents)
        progress("  \(BenchReport.rate(figures.eventsPerSecond)) ev/s")
        return figures
    }

    /// Writes every dirty page to disk (`sync(2)`), untimed, between two measurements: a stopped
    /// daemon leaves hundreds of megabytes the kernel would otherwise write back (after about
    /// 30 s) while a later measurement runs — an engine image nothing will read, SQLite pages —
    /// and that write-back delays the measured daemon's own `fdatasync`s.
    static func settle() {
        sync()
    }

    /// A fresh `casepulse-bench-{pid}` directory under the options' work directory, after sweeping
    /// away the ones runs that were killed left behind. With `--keep`, a `KEPT` file marks it so
    /// that no later sweep removes it.
    private static func workDirectory(_ options: BenchOptions) throws -> URL {
        let parent = URL(fileURLWithPath: options.workDirectory)
        sweepAbandonedWorkDirectories(in: parent)
        let work = parent.appendingPathComponent("casepulse-bench-\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        if options.keep {
            _ = FileManager.default.createFile(atPath: work.appendingPathComponent("KEPT").path, contents: nil)
        }
        return work
    }

    /// Removes each `casepulse-bench-{pid}` in `parent` whose process no longer exists and that no
    /// `--keep` marked: a run stopped by a signal cannot clean up after itself, and its daemon
    /// states hold hundreds of megabytes of preallocated journal.
    static func sweepAbandonedWorkDirectories(in parent: URL) {
        let prefix = "casepulse-bench-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let directory = parent.appendingPathComponent(name, isDirectory: true)
            guard !FileManager.default.fileExists(atPath: directory.appendingPathComponent("KEPT").path) else { continue }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    private static func replay(_ options: BenchOptions, in work: URL, progress: (String) -> Void) throws -> ReplayRun.Figures {
        progress("replay: \(options.replayEvents) journal events")
        let replay = try ReplayRun.measure(
            events: options.replayEvents, stateDirectory: work.appendingPathComponent("state-replay").path)
        progress("  \(BenchReport.rate(replay.engine.eventsPerSecond)) ev/s")
        return replay
    }

    private static func latency(
        on daemon: DaemonProcess, rate: Double, count: Int?, _ options: BenchOptions, caseOffset: inout Int,
        _ progress: (String) -> Void
    ) throws -> LatencyRun.Figures {
        let count = count ?? max(100, Int(rate * options.latencySeconds))
        progress("latency: \(count) events at \(Int(rate))/s")
        let figures = try LatencyRun.measure(daemon: daemon, rate: rate, count: count, warmup: count / 10, caseOffset: caseOffset)
        progress("  " + BenchReport.percentiles(figures, separator: " "))
        caseOffset += count
        return figures
    }
}
