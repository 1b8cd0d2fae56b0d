import CasePulseClient
import CasePulseCore
import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// What the tests of a daemon stopped by a failure (a file it cannot write) share: sending until
/// it falls silent, waiting for it to exit, and reading back what it recovered.
extension DaemonProcess {
    /// Sends `events` to the reliable endpoint, one attempt each, until every one is answered or
    /// the daemon stays silent for 3 s; returns how many were acknowledged. The daemon answers in
    /// order, after the records before them are durable, so those are the first `events`.
    func sendUntilSilent(_ events: [CaseEvent], context: Context) throws -> Int {
        let publisher = try ReliablePublisher(
            context: context, endpoint: reliable, window: 1000, retryInterval: .seconds(60), maxAttempts: 1,
            replyTimeout: .seconds(3))
        defer { publisher.close() }
        do {
            return try publisher.send(events: events).accepted
        } catch .noReply(_, _, let report) {
            return report.accepted
        } catch {
            Issue.record("the publisher failed with \(error), not by the daemon falling silent")
            return -1
        }
    }

    /// Waits up to `timeout` for the process to exit; whether it did.
    func waitForExit(timeout: Duration = .seconds(30)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        return !process.isRunning
    }

    /// The first `CRITICAL` line of the log, empty when there is none.
    var criticalLine: String { log.split(separator: "\n").first { $0.contains("CRITICAL") }.map(String.init) ?? "" }

    /// A counter of `/sys/ingest`: `accepted`, `duplicates`, `received` or `rejected`.
    func ingestCounter(_ name: String) throws -> Int {
        let value = try #require(try snapshot(subtree: "/sys/ingest").values["/sys/ingest"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any])
        return try #require(object[name] as? Int)
    }

    /// Expects the `/m/` figures served to be exactly the reference model's of `events`.
    func expectFigures(of events: some Sequence<CaseEvent>, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let figures = try snapshot(subtree: "/m/").values
        let reference = ReferenceModel.aggregates(of: events, timeZone: JiningFeed.timeZone).mapValues(\.canonicalJSON)
        let wrong = reference.filter { figures[$0.key] != $0.value }
        #expect(figures.count == reference.count && wrong.isEmpty,
                "\(what): \(wrong.count) keys differ, e.g. \(wrong.first?.key ?? "")", sourceLocation: sourceLocation)
    }
}
