import Foundation
import Testing

@testable import CasePulseBench

@Suite struct ReplayOnlyTests {
    /// `casepulse bench --replay-only`: the journal written, replayed by the daemon's own recovery
    /// in this process, every event and case accounted for, and the work directory removed.
    @Test func replaysEveryJournaledEventAndCleansUp() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("casepulse-replay-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        let options = BenchOptions(daemonBinary: "/nonexistent", replayEvents: 3_000, workDirectory: parent.path)
        var lines: [String] = []
        let figures = try BenchRunner.replay(options) { lines.append($0) }
        #expect(figures.events == 3_000 && figures.cases == 1_000 && figures.eventsPerSecond > 0)
        let table = BenchReport.replayMarkdown(figures)
        #expect(table.contains("| replay of the journal (read, decode, apply), 3,000 events |"))
        #expect(table.contains("/ 1,000 cases"))
        #expect(lines.first == "replay: 3000 journal events")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
    }
}
