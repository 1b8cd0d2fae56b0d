import CasePulseClient
import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// `/sys/ingest` is part of the durable state (STATE.md): after a clean stop a restart serves the
/// same accepted, duplicate and refusal counts, and goes on counting from them.
@Suite struct IngestCountersTests {
    static func event(_ id: String) -> (id: String, json: String) { Filing.event(id, producer: "count-app") }

    @Test func aCleanRestartKeepsEveryIngestCounter() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-counters")
        let daemon = try DaemonProcess(directory: directory)
        let context = try Context()
        let publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, replyTimeout: .seconds(30))
        // Three new, two redelivered, one refused (a region code of five digits).
        let report = try publisher.send([
            Self.event("a"), Self.event("b"), Self.event("c"), Self.event("a"), Self.event("b"),
            Filing.event("d", producer: "count-app", region: "37081"),
        ])
        publisher.close()
        #expect(report.accepted == 5 && report.nacks.map(\.reason) == ["invalid"])
        let before = try daemon.snapshot(subtree: "/sys/ingest").values["/sys/ingest"] ?? ""
        #expect(before.hasPrefix(#"{"received":6,"accepted":3,"duplicates":2,"rejected":1,"#), "\(before)")
        #expect(daemon.terminate() == 0, "log: \(daemon.log.suffix(2000))")

        let restarted = try DaemonProcess(directory: directory)
        defer { restarted.terminate() }
        let after = try restarted.snapshot(subtree: "/sys/ingest").values["/sys/ingest"] ?? ""
        #expect(after == before)
        let again = try ReliablePublisher(context: context, endpoint: restarted.reliable, replyTimeout: .seconds(30))
        #expect(try again.send([Self.event("c"), Self.event("e")]).accepted == 2)
        again.close()
        let counted = try restarted.snapshot(subtree: "/sys/ingest").values["/sys/ingest"] ?? ""
        #expect(counted.hasPrefix(#"{"received":8,"accepted":4,"duplicates":3,"rejected":1,"#), "\(counted)")
    }
}
