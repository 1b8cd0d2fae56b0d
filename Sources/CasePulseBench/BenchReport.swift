/// The figures of one `casepulse bench` run, and their markdown table.
public struct BenchReport: Sendable {
    /// Body size of the messages (largest, mean).
    var bodyBytes: (largest: Int, mean: Double)
    /// Transport ceiling, messages per second: the median of ``ceilingRuns``.
    var ceiling: Double
    /// Each measurement of the ceiling, in the order made (empty: one, ``ceiling``).
    var ceilingRuns: [Double] = []
    /// Events of the ceiling and of the largest daemon run.
    var ceilingEvents: Int
    /// One entry per size, smallest first.
    var sizes: [DaemonIngestRun.Figures]
    /// Latency at each steady rate, on the restarted largest state.
    var latencies: [LatencyRun.Figures]
    /// Latency at the first rate on the restarted largest state over enough events to span the
    /// daemon's checkpoints.
    var sustainedLatency: LatencyRun.Figures?
    /// `--checkpoint-events` of the daemons measured.
    var checkpointEvents: Int
    /// Latency at the first rate on a fresh daemon, whose tables grow while it is measured.
    var freshLatency: LatencyRun.Figures?
    /// The journal alone at the first rate: events made durable, no daemon (``JournalCeiling``).
    var journalLatency: LatencyRun.Figures?
    /// The transport alone at the first rate: events through a relay that does no work
    /// (``TransportLatency``).
    var transportLatency: LatencyRun.Figures?
    /// Latency at the first rate on a fresh daemon with `--fsync off`.
    var unsyncedLatency: LatencyRun.Figures?
    /// Journal replay.
    var replay: ReplayRun.Figures
    /// Restart of the largest state until the snapshot endpoint answers.
    var restartSeconds: Double
    /// `VmHWM` of the restarted daemon once serving.
    var restartPeakBytes: Int
    /// Restart of the largest state after a SIGKILL (no image: every aggregate rebuilt from the
    /// case records) until the snapshot endpoint answers.
    var crashRestartSeconds: Double?

    /// The largest size.
    var largest: DaemonIngestRun.Figures? { sizes.last }

    /// The report as markdown: the headline table with ratios and targets, then the sizes.
    public var markdown: String {
        var out = "| measure | figure | ratio / target |\n|---|---|---|\n"
        let runs = ceilingRuns.count > 1 ? "; the median of \(ceilingRuns.count) runs: \(ceilingRuns.map(Self.rate).joined(separator: ", "))" : ""
        out += "| transport ceiling: PUB → bare SUB, tcp loopback, \(ceilingEvents.grouped) msgs of 2 frames (\(bodyBytes.largest) B body max, \(Int(bodyBytes.mean)) B mean\(runs)) | \(Self.rate(ceiling)) msg/s | 1.00 |\n"
        if let largest {
            let ratio = largest.eventsPerSecond / ceiling
            out += "| casepulsed best-effort ingest, `--fsync batch`, until `/sys/ingest` has all \(largest.events.grouped) | \(Self.rate(largest.eventsPerSecond)) ev/s | \(Self.fixed(ratio, 2)) × ceiling (target ≥ 0.70) |\n"
        }
        let held = largest.map { " on the restarted \($0.cases.grouped)-case state" } ?? ""
        if let transportLatency {
            out += "| the transport alone at \(Self.rate(transportLatency.rate))/s: event → a relay that does no work (SUB → PUB on its own thread and context) → SUB, tcp loopback (\(transportLatency.events.grouped) events) | \(Self.percentiles(transportLatency)) | floor of every latency row |\n"
        }
        if let journalLatency {
            out += "| the journal alone at \(Self.rate(journalLatency.rate))/s: event → durable, group commit (`pwrite` + `fdatasync`) with no sockets, decoding or engine (\(journalLatency.events.grouped) events) | \(Self.percentiles(journalLatency)) | floor of the `--fsync batch` rows |\n"
        }
        for latency in latencies {
            out += Self.latencyRow(latency, where: held)
        }
        if let sustainedLatency {
            let note = Self.checkpointNote(sent: sustainedLatency.sent, checkpointEvents: checkpointEvents)
            out += Self.latencyRow(sustainedLatency, where: held + ", sustained, " + note)
        }
        if let freshLatency {
            out += Self.latencyRow(freshLatency, where: " on a fresh daemon (tables growing)")
        }
        if let unsyncedLatency {
            out += Self.latencyRow(unsyncedLatency, where: " on a fresh daemon with `--fsync off` (no disk flush: the daemon's own path)")
        }
        out += Self.replayRow(replay, ceiling: ceiling)
        if let largest {
            out += "| restart-to-serving, \(largest.cases.grouped) cases (launch → snapshot answered) | \(Self.fixed(restartSeconds, 2)) s | target < 2 s |\n"
            if let crashRestartSeconds {
                out += "| restart-to-serving after SIGKILL, \(largest.cases.grouped) cases and those of the latency runs (no image: every aggregate rebuilt from the case records) | \(Self.fixed(crashRestartSeconds, 2)) s | — |\n"
            }
            let perCase = Double(largest.peakWithStopBytes) / Double(largest.cases)
            let ingest = Double(largest.peakResidentBytes) / Double(largest.cases)
            out += "| peak RSS per case at \(largest.cases.grouped) cases (VmHWM / cases, clean stop included; \(Int(ingest.rounded())) B once every event is in) | \(Int(perCase.rounded())) B | target ≤ 400 B |\n"
        }
        out += Self.replayMemoryRow(replay)
        out += Self.checkpointRow(replay)
        out += "\n| cases | events | ingest s | ev/s | × ceiling | VmHWM MiB, ingest | VmHWM MiB, with the stop | B/case over idle | SIGTERM stop s | daemon CPU µs/ev |\n|---|---|---|---|---|---|---|---|---|---|\n"
        for size in sizes {
            let perCase = Double(size.peakWithStopBytes - size.idleResidentBytes) / Double(size.cases)
            out += "| \(size.cases.grouped) | \(size.events.grouped) | \(Self.fixed(size.seconds, 2)) | \(Self.rate(size.eventsPerSecond)) | \(Self.fixed(size.eventsPerSecond / ceiling, 2)) | \(Self.fixed(Double(size.peakResidentBytes) / 1_048_576, 1)) | \(Self.fixed(Double(size.peakWithStopBytes) / 1_048_576, 1)) | \(Int(perCase.rounded())) | \(Self.fixed(size.stopSeconds, 2)) | \(Self.fixed(size.cpuMicrosecondsPerEvent, 2)) |\n"
        }
        return out
    }

    /// The replay alone (`casepulse bench --replay-only`) as markdown: its speed and the engine
    /// memory it rebuilt.
    public static func replayMarkdown(_ replay: ReplayRun.Figures) -> String {
        "| measure | figure | ratio / target |\n|---|---|---|\n" + replayRow(replay, ceiling: nil) + replayMemoryRow(replay)
            + checkpointRow(replay)
    }

    /// The engine alone (`casepulse bench --engine-only`) as markdown: its speed against the
    /// ingest target's share of the transport ceiling, and the live engine's memory per case.
    public static func liveApplyMarkdown(_ live: LiveApplyRun.Figures) -> String {
        let perCase = Double(live.residentGrowthBytes) / Double(max(1, live.cases))
        return "| measure | figure | ratio / target |\n|---|---|---|\n"
            + "| the engine alone, live: \(live.events.grouped) events decoded in place and applied, their figures held back until each publish as the daemon's are, published every \(LiveApplyRun.publishEvery.grouped) | \(rate(live.eventsPerSecond)) ev/s | \(fixed(1_000_000 / live.eventsPerSecond, 2)) µs per event |\n"
            + "| memory per case of the live engine (VmRSS growth / \(live.cases.grouped) cases: its tables and the allocator's slack; no ingest backlog) | \(Int(perCase.rounded())) B | target ≤ 400 B (the daemon's peak adds its backlog and idle size) |\n"
            + tablesRow(live, named: "live engine tables")
    }

    static func replayRow(_ replay: ReplayRun.Figures, ceiling: Double?) -> String {
        let run = replay.engine
        let versusCeiling = ceiling.map { "; \(fixed(run.eventsPerSecond / $0, 2)) × ceiling" } ?? ""
        return "| replay of the journal (read, decode, apply), \(run.events.grouped) events | \(rate(run.eventsPerSecond)) ev/s | \(fixed(run.eventsPerSecond / 2_000_000, 2)) × target 2M ev/s\(versusCeiling) |\n"
    }

    static func checkpointRow(_ replay: ReplayRun.Figures) -> String {
        "| the first checkpoint after the replay: \(replay.engine.cases.grouped) cases copied off the engine and written as records | \(fixed(replay.checkpointSeconds, 2)) s | \(rate(Double(replay.engine.cases) / replay.checkpointSeconds)) cases/s |\n"
    }

    static func replayMemoryRow(_ replay: ReplayRun.Figures) -> String {
        let run = replay.engine
        guard run.cases > 0 else { return "" }
        let perCase = Double(run.residentGrowthBytes) / Double(run.cases)
        return "| memory per case of the replay in process (VmRSS growth / \(run.cases.grouped) cases: the engine, the allocator's slack and the replay's deferred figures; no ingest backlog) | \(Int(perCase.rounded())) B | target ≤ 400 B |\n"
            + tablesRow(run, named: "engine tables")
    }

    /// The row of `run`'s engine tables per case, table by table, and their total.
    static func tablesRow(_ run: EngineRunFigures, named name: String) -> String {
        let tables = run.memory.tables.map { "\($0.name) \(perCaseBytes($0.bytes, run.cases))" }
        return "| \(name) per case, allocated (\(tables.joined(separator: ", "))) | \(perCaseBytes(run.memory.totalBytes, run.cases)) | — |\n"
    }

    /// `bytes` shared out over `cases`, as whole bytes: `483 B`.
    static func perCaseBytes(_ bytes: Int, _ cases: Int) -> String {
        "\(Int((Double(bytes) / Double(max(1, cases))).rounded())) B"
    }

    /// Whether a run of `sent` events spans a checkpoint of a daemon started with
    /// `--checkpoint-events checkpointEvents`.
    static func checkpointNote(sent: Int, checkpointEvents: Int) -> String {
        let every = "one per \(checkpointEvents.grouped) events"
        return sent >= checkpointEvents ? "spanning a checkpoint (\(every))" : "too short to span a checkpoint (\(every))"
    }

    static func latencyRow(_ latency: LatencyRun.Figures, where place: String) -> String {
        let target = latency.rate <= 10_000 ? " (target p99 ≤ 1 ms)" : ""
        return "| event → KVPUB latency at \(rate(latency.rate))/s, `--publish-interval 0`\(place) (\(latency.events.grouped) events) | \(percentiles(latency)) | p99 \(fixed(latency.p99 / 1000, 2)) ms\(target) |\n"
    }

    /// `p50 305 µs, p99 2.41 ms, p99.9 3.35 ms, max 20.1 ms` as a table cell; with `separator`
    /// `" "`, a latency run's progress line.
    static func percentiles(_ latency: LatencyRun.Figures, separator: String = ", ") -> String {
        [("p50", latency.p50), ("p99", latency.p99), ("p99.9", latency.p999), ("max", latency.max)]
            .map { "\($0) \(micros($1))" }.joined(separator: separator)
    }

    static func rate(_ value: Double) -> String {
        value >= 1_000_000 ? "\(fixed(value / 1_000_000, 2))M" : value >= 1000 ? "\(fixed(value / 1000, 1))k" : fixed(value, 0)
    }

    static func micros(_ value: Double) -> String {
        value >= 1000 ? "\(fixed(value / 1000, 2)) ms" : "\(Int(value.rounded())) µs"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = abs(scaled % Int(scale))
        guard digits > 0 else { return String(whole) }
        let text = String(fraction)
        return (scaled < 0 && whole == 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}

extension Int {
    /// `1000000` → `1,000,000`.
    var grouped: String {
        let digits = Array(String(Swift.abs(self)))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (self < 0 ? "-" : "") + out
    }
}
