import CasePulseTestKit
import Foundation
import Testing

@testable import CasePulseBench

@Suite struct ReplayOnlyTests {
    /// `casepulse bench --replay-only`: the journal written, replayed by the daemon's own recovery
    /// in this process, every event and case accounted for, and the work directory removed.
    @Test func replaysEveryJournaledEventAndCleansUp() throws {
        let parent = try TemporaryDirectory(prefix: "casepulse-replay")
        let options = BenchOptions(daemonBinary: "/nonexistent", replayEvents: 3_000, workDirectory: parent.path)
        var lines: [String] = []
        let figures = try BenchRunner.replay(options) { lines.append($0) }
        #expect(figures.engine.events == 3_000 && figures.engine.cases == 1_000 && figures.engine.eventsPerSecond > 0)
        let table = BenchReport.replayMarkdown(figures)
        #expect(table.contains("| replay of the journal (read, decode, apply), 3,000 events |"))
        #expect(table.contains("/ 1,000 cases"))
        #expect(lines.first == "replay: 3000 journal events")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
    }

    /// A run killed before it could clean up leaves `casepulse-bench-{pid}`: the next run removes
    /// it, but never one whose process lives or that `--keep` marked.
    @Test func theNextRunSweepsWorkDirectoriesOfKilledRuns() throws {
        let parent = try TemporaryDirectory(prefix: "casepulse-sweep")
        let gone = Int32.max - 1  // above any pid_max: no such process
        let names = ["casepulse-bench-\(gone)", "casepulse-bench-\(gone - 1)", "casepulse-bench-1", "casepulse-bench-x", "other-\(gone)"]
        for name in names {
            try FileManager.default.createDirectory(atPath: parent.appending(name + "/state"), withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: parent.appending("casepulse-bench-\(gone - 1)/KEPT"), contents: nil)
        BenchRunner.sweepAbandonedWorkDirectories(in: parent.url)
        let left = try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted()
        #expect(left == Array(names.dropFirst()).sorted())
    }
}
