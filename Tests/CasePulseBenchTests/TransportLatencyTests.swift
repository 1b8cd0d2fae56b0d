import Testing

@testable import CasePulseBench

@Suite struct TransportLatencyTests {
    /// The transport alone: every event sent goes through the relay's real sockets and is timed
    /// once past the warm-up; none arrives before it was sent nor later than the whole run, and
    /// the sender keeps the rate's schedule.
    @Test func relaysEveryEventAndTimesEachOnce() throws {
        let started = MonotonicClock.nanoseconds()
        let figures = try TransportLatency.measure(rate: 2_000, count: 300, warmup: 30, ingestPort: 0, publishPort: 0)
        let took = Double(MonotonicClock.nanoseconds() - started) / 1000
        #expect(figures.sent == 300 && figures.events == 270 && figures.rate == 2_000)
        #expect(0 < figures.p50 && figures.p50 <= figures.p99 && figures.p99 <= figures.p999 && figures.p999 <= figures.max)
        #expect(figures.max < took)
        // 300 events at 2,000/s are sent over 150 ms: a sender that did not keep the schedule
        // would be done sooner.
        #expect(took >= 149_000)
    }

    /// The report puts the transport alone first among the latency rows, as their floor.
    @Test func theReportShowsTheTransportAloneAboveTheJournal() {
        let transport = LatencyRun.Figures(rate: 10_000, sent: 100, events: 90, p50: 94, p99: 180, p999: 1_410, max: 3_740)
        let journal = LatencyRun.Figures(rate: 10_000, sent: 100, events: 90, p50: 150, p99: 310, p999: 1_500, max: 9_000)
        let latency = LatencyRun.Figures(rate: 10_000, sent: 100, events: 90, p50: 300, p99: 610, p999: 3_350, max: 20_100)
        let replay = ReplayRun.Figures(engine: EngineRunFigures(events: 0, seconds: 1, cases: 0, residentGrowthBytes: 0, memory: .init(tables: [], cases: 0)), checkpointSeconds: 1)
        let report = BenchReport(
            bodyBytes: (244, 231), ceiling: 1_000_000, ceilingEvents: 100, sizes: [], latencies: [latency],
            sustainedLatency: nil, checkpointEvents: 200_000, freshLatency: nil, journalLatency: journal,
            transportLatency: transport, unsyncedLatency: nil, replay: replay, restartSeconds: 1, restartPeakBytes: 0,
            crashRestartSeconds: nil)
        let rows = report.markdown.split(separator: "\n").map(String.init)
        let transportRow = rows.firstIndex { $0.hasPrefix("| the transport alone at 10.0k/s: event → a relay that does no work") }
        let journalRow = rows.firstIndex { $0.hasPrefix("| the journal alone at 10.0k/s") }
        #expect(transportRow != nil && journalRow != nil)
        if let transportRow, let journalRow {
            #expect(transportRow < journalRow)
            #expect(rows[transportRow].contains("| p50 94 µs, p99 180 µs, p99.9 1.41 ms, max 3.74 ms | floor of every latency row |"))
        }
    }
}
