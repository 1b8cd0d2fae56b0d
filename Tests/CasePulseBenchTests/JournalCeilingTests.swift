import CasePulseCore
import CasePulseStore
import CasePulseTestKit
import Foundation
import Testing

@testable import CasePulseBench

@Suite struct JournalCeilingTests {
    /// The journal alone: every event falls due on the rate's schedule, is committed into a real
    /// journal (a restart replays all of them) and counted once past the warm-up, and no event is
    /// durable before it fell due or later than the whole run.
    @Test func commitsEveryEventIntoTheJournalAndTimesEachOnce() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-journal-ceiling")
        let started = MonotonicClock.nanoseconds()
        let figures = try JournalCeiling.measure(stateDirectory: directory.path, rate: 2_000, count: 300, warmup: 30)
        let took = Double(MonotonicClock.nanoseconds() - started) / 1000
        #expect(figures.sent == 300 && figures.events == 270 && figures.rate == 2_000)
        #expect(0 < figures.p50 && figures.p50 <= figures.p99 && figures.p99 <= figures.p999 && figures.p999 <= figures.max)
        #expect(figures.max < took)
        // 300 events at 2,000/s fall due over 150 ms: a loop that did not wait for the schedule
        // would be done sooner.
        #expect(took >= 149_000)
        let store = try StateStore(directory: directory.path, fsync: .off)
        let configuration = EngineConfiguration(timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current, dayRetentionDays: 0)
        let (engine, recovery) = try store.recover(configuration: configuration)
        #expect(recovery.journalEvents == 300 && engine.caseCount == 300)
    }

    /// The report puts the journal alone above the latency rows it is the floor of, and the
    /// daemon without `fdatasync` below them.
    @Test func theReportShowsTheJournalAloneAndTheUnsyncedDaemon() {
        let latency = LatencyRun.Figures(rate: 10_000, sent: 100, events: 90, p50: 300, p99: 2_410, p999: 3_350, max: 20_100)
        let journal = LatencyRun.Figures(rate: 10_000, sent: 100, events: 90, p50: 150, p99: 310, p999: 1_500, max: 9_000)
        let unsynced = LatencyRun.Figures(rate: 10_000, sent: 100, events: 90, p50: 220, p99: 480, p999: 900, max: 1_200)
        let replay = ReplayRun.Figures(engine: EngineRunFigures(events: 0, seconds: 1, cases: 0, residentGrowthBytes: 0, memory: EngineMemory(tables: [], cases: 0)), checkpointSeconds: 1)
        let report = BenchReport(
            bodyBytes: (244, 231), ceiling: 1_000_000, ceilingEvents: 100, sizes: [], latencies: [latency],
            sustainedLatency: nil, checkpointEvents: 200_000, freshLatency: nil, journalLatency: journal,
            unsyncedLatency: unsynced, replay: replay, restartSeconds: 1, restartPeakBytes: 0, crashRestartSeconds: nil)
        let rows = report.markdown.split(separator: "\n").map(String.init)
        let journalRow = rows.firstIndex { $0.hasPrefix("| the journal alone at 10.0k/s: event → durable") }
        let latencyRow = rows.firstIndex { $0.hasPrefix("| event → KVPUB latency at 10.0k/s, `--publish-interval 0` (90 events)") }
        let unsyncedRow = rows.firstIndex { $0.contains("with `--fsync off`") }
        #expect(journalRow != nil && latencyRow != nil && unsyncedRow != nil)
        if let journalRow, let latencyRow, let unsyncedRow {
            #expect(journalRow < latencyRow && latencyRow < unsyncedRow)
            #expect(rows[journalRow].contains("| p50 150 µs, p99 310 µs, p99.9 1.50 ms, max 9.00 ms |"))
            #expect(rows[unsyncedRow].contains("| p99 0.48 ms (target p99 ≤ 1 ms) |"))
        }
    }
}
