import CasePulseCore
import CasePulseWire
import Testing

@testable import CasePulseBench

@Suite struct BenchEventFeedTests {
    @Test func everyBodyIsAValidEventOfItsCase() throws {
        var feed = BenchEventFeed(eventsPerCase: 3, caseOffset: 7)
        let decoder = EventDecoder()
        var types: [EventType: Int] = [:]
        var decisions: [Decision: Int] = [:]
        for index in 0..<3000 {
            let result = feed.withBody(index) { decoder.decode($0, now: Int64(Int32.max)) }
            let event = try result.get()
            #expect(event.caseID == "370812-2022-" + String(7 + index / 3).leftPadded(to: 8))
            #expect(event.seq == UInt64(index + 1))
            #expect(event.id == "bench-" + String(21 + index).leftPadded(to: 10))
            types[event.type, default: 0] += 1
            if let decision = event.decision { decisions[decision, default: 0] += 1 }
        }
        #expect(types == [.filed: 1000, .decided: 1000, .closed: 1000])
        #expect(decisions[.noPenalty] == 120 && decisions[.reduced] == 10 && decisions[.standard] == 790)
        #expect(feed.bodySizes.largest < 260 && feed.bodySizes.mean > 200)
    }

    @Test func singleStepFeedFilesOneCasePerEvent() throws {
        var feed = BenchEventFeed(eventsPerCase: 1, caseOffset: 50)
        let event = try EventDecoder().decode(feed.render(4), now: Int64(Int32.max)).get()
        #expect(event.type == .filed)
        #expect(event.caseID == "370812-2022-00000054")
    }

    /// Feeds of separate cases, as the bench sends one after another to one daemon, share no id:
    /// one seen before in any case is a duplicate, and would never show in an update.
    @Test func feedsOfSeparateCasesShareNoId() throws {
        let decoder = EventDecoder()
        var ids: Set<String> = []
        for (feed, count) in [(BenchEventFeed(eventsPerCase: 3), 300), (BenchEventFeed(eventsPerCase: 1, caseOffset: 100), 50), (BenchEventFeed(eventsPerCase: 1, caseOffset: 150), 50)] {
            var feed = feed
            for index in 0..<count {
                let event = try feed.withBody(index) { decoder.decode($0, now: Int64(Int32.max)) }.get()
                #expect(ids.insert(event.id).inserted, "\(event.id) of case \(event.caseID)")
            }
        }
        #expect(ids.count == 400)
    }

    @Test func figuresAreFormatted() {
        #expect(BenchReport.fixed(0.7049, 2) == "0.70")
        #expect(BenchReport.fixed(12.5, 1) == "12.5")
        #expect(BenchReport.rate(1_234_567) == "1.23M")
        #expect(BenchReport.rate(98_700) == "98.7k")
        #expect(1_000_000.grouped == "1,000,000")
        #expect(SnapshotProbe.integer(named: "received", in: #"{"received":42,"accepted":41}"#) == 42)
    }

    @Test func aSustainedRunSpansACheckpointOfTheIntervalTheDaemonsWereGiven() {
        let every = BenchOptions.defaultCheckpointEvents
        #expect(BenchOptions(daemonBinary: "casepulsed").checkpointEvents == 200_000)
        #expect(BenchReport.checkpointNote(sent: every, checkpointEvents: every) == "spanning a checkpoint (one per 200,000 events)")
        #expect(BenchReport.checkpointNote(sent: every - 1, checkpointEvents: every) == "too short to span a checkpoint (one per 200,000 events)")
        #expect(BenchReport.checkpointNote(sent: 60_000, checkpointEvents: 50_000) == "spanning a checkpoint (one per 50,000 events)")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

@Suite struct BenchReportTests {
    static func size(cases: Int, peak: Int, withStop: Int) -> DaemonIngestRun.Figures {
        DaemonIngestRun.Figures(
            cases: cases, events: cases * 3, seconds: 1, peakResidentBytes: peak, peakWithStopBytes: withStop,
            idleResidentBytes: 0, stopSeconds: 1, cpuSeconds: 0.0006)
    }

    /// The memory per case is the daemon's peak over its whole run: a clean stop's final
    /// checkpoint and image count, not only the ingest.
    @Test func peakMemoryPerCaseIncludesTheCleanStop() {
        let report = BenchReport(
            bodyBytes: (244, 231), ceiling: 1_000_000, ceilingEvents: 300, sizes: [Self.size(cases: 100, peak: 30_000, withStop: 50_000)],
            latencies: [], sustainedLatency: nil, checkpointEvents: 200_000, freshLatency: nil,
            replay: ReplayRun.Figures(
                engine: EngineRunFigures(
                    events: 300, seconds: 1, cases: 100, residentGrowthBytes: 20_000,
                    memory: EngineMemory(tables: [.init(name: "case states", bytes: 13_600), .init(name: "texts", bytes: 8_000)], cases: 100)),
                checkpointSeconds: 0.25),
            restartSeconds: 1, restartPeakBytes: 0, crashRestartSeconds: 3.5)
        let table = report.markdown
        #expect(table.contains("| peak RSS per case at 100 cases (VmHWM / cases, clean stop included; 300 B once every event is in) | 500 B | target ≤ 400 B |"))
        // 0.6 ms of the daemon's CPU for 300 events: 2 µs an event.
        #expect(table.contains("| 100 | 300 | 1.00 | 300 | 0.00 | 0.0 | 0.0 | 500 | 1.00 | 2.00 |"))
        #expect(table.contains("| restart-to-serving after SIGKILL, 100 cases and those of the latency runs (no image: every aggregate rebuilt from the case records) | 3.50 s | — |"))
        #expect(table.contains("| engine tables per case, allocated (case states 136 B, texts 80 B) | 216 B | — |"))
        #expect(table.contains("| the first checkpoint after the replay: 100 cases copied off the engine and written as records | 0.25 s | 400 cases/s |"))
    }

    /// The ceiling is measured more than once and the ratios use the median, every run shown: on
    /// two cores one run varies by a factor of two or more.
    @Test func theCeilingIsTheMedianOfItsRuns() {
        #expect(TransportCeiling.median([2_210_000, 1_040_000, 1_070_000]) == 1_070_000)
        #expect(TransportCeiling.median([3, 1, 2, 10]) == 2.5)
        #expect(TransportCeiling.median([]) == 0)
        let runs = [2_000_000.0, 1_000_000, 1_200_000]
        let report = BenchReport(
            bodyBytes: (244, 231), ceiling: TransportCeiling.median(runs), ceilingRuns: runs, ceilingEvents: 300,
            sizes: [Self.size(cases: 100, peak: 30_000, withStop: 50_000)],
            latencies: [], sustainedLatency: nil, checkpointEvents: 200_000, freshLatency: nil,
            replay: ReplayRun.Figures(
                engine: EngineRunFigures(
                    events: 300, seconds: 1, cases: 100, residentGrowthBytes: 20_000,
                    memory: EngineMemory(tables: [], cases: 100)),
                checkpointSeconds: 0.25),
            restartSeconds: 1, restartPeakBytes: 0, crashRestartSeconds: nil)
        let table = report.markdown
        #expect(table.contains("231 B mean; the median of 3 runs: 2.00M, 1.00M, 1.20M) | 1.20M msg/s | 1.00 |"), "\(table)")
        // 300 events in 1 s against the median's 1.2M.
        #expect(table.contains("| 300 ev/s | 0.00 × ceiling"), "\(table)")
    }
}
