import CasePulseClient
import CasePulseCore
import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// What the operator reads when a stop or a start does not go the usual way (STATE.md): the store
/// tests check the state; these check the real daemon's exit status and log.
@Suite struct StartStopWarningsTests {
    static let arguments = ["--day-retention", "0"]

    /// The lines of `log` at `WARNING`.
    static func warnings(_ log: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains("WARNING") }
    }

    /// Sends `events` reliably; all must be accepted.
    static func send(_ events: [CaseEvent], to daemon: DaemonProcess) throws {
        let context = try Context()
        let publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, window: 500, replyTimeout: .seconds(30))
        defer { publisher.close() }
        let report = try publisher.send(events: events)
        #expect(report.allAccepted && report.accepted == events.count)
    }

    /// STATE.md: a stop whose engine image cannot be written "is still clean: it logs a warning";
    /// it exits 0, and the next start rebuilds from the records, says why, and serves the same
    /// figures.
    @Test func aStopWithoutItsImageExitsZeroWithAWarningAndTheNextStartSaysWhy() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-noimage")
        let events = Array(JiningFeed(seed: 3).events().prefix(2000))
        let daemon = try DaemonProcess(arguments: Self.arguments, directory: directory)
        try Self.send(events, to: daemon)
        // A directory, not empty, where the image is written: neither opened nor renamed over.
        let obstacle = daemon.stateDirectory + "/engine.image.tmp"
        try FileManager.default.createDirectory(atPath: obstacle + "/in-the-way", withIntermediateDirectories: true)
        #expect(daemon.terminate() == 0, "log: \(daemon.log.suffix(2000))")
        let stopWarnings = Self.warnings(daemon.log)
        #expect(stopWarnings.contains { $0.contains("no engine image written") && $0.contains("engine.image") }, "\(stopWarnings)")
        try FileManager.default.removeItem(atPath: obstacle)

        let restarted = try DaemonProcess(arguments: Self.arguments, directory: directory)
        defer { restarted.terminate() }
        let recovered = restarted.log.split(separator: "\n").first { $0.contains("recovered ") } ?? ""
        #expect(recovered.contains("recovered \(Set(events.map(\.caseID)).count) cases") && !recovered.contains("engine image"), "\(recovered)")
        let startWarnings = Self.warnings(restarted.log)
        #expect(startWarnings.contains { $0.contains("\(restarted.stateDirectory)/engine.image") }, "log: \(restarted.log)")
        try restarted.expectFigures(of: events, "after a stop without image")
    }

    /// STATE.md: a start with another `--day-retention` (or `--timezone`) rebuilds the figures with
    /// the new calendar, and a warning says so; the same settings again give no such warning.
    @Test func aChangedCalendarIsRebuiltWithAWarning() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-calendar")
        let events = Array(JiningFeed(seed: 4).events().prefix(500))
        let changed = "the time zone or day retention changed since the state was written"
        do {
            let daemon = try DaemonProcess(arguments: Self.arguments, directory: directory)
            try Self.send(events, to: daemon)
            #expect(daemon.terminate() == 0)
        }
        do {
            let same = try DaemonProcess(arguments: Self.arguments, directory: directory)
            #expect(!same.log.contains(changed), "log: \(same.log)")
            #expect(same.terminate() == 0)
        }
        let rebuilt = try DaemonProcess(arguments: ["--day-retention", "0", "--timezone", "UTC"], directory: directory)
        defer { rebuilt.terminate() }
        #expect(Self.warnings(rebuilt.log).contains { $0.contains(changed) }, "log: \(rebuilt.log)")
        let figures = try rebuilt.snapshot(subtree: "/m/").values
        let reference = ReferenceModel.aggregates(of: events, timeZone: TimeZone(identifier: "UTC") ?? .gmt).mapValues(\.canonicalJSON)
        #expect(figures == reference, "\(figures.count) keys served, \(reference.count) in the UTC calendar")
    }
}
