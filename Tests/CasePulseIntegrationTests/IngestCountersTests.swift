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

    /// The contract: "a second event with the same id is a duplicate and changes nothing", whatever
    /// its case. An id taken under one case and sent again under another is acknowledged as a
    /// duplicate, creates no case and moves no figure: on the daemon that took it, after a clean
    /// restart (the engine's image) and after a SIGKILL (the records and the journal).
    @Test func anIdSeenInAnotherCaseIsADuplicateAcrossRestarts() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-ids")
        let context = try Context()
        func moved(_ id: String, to caseID: String) -> (id: String, json: String) {
            let event = Self.event(id)
            return (id, event.json.replacingOccurrences(of: #""case":"case-\#(id)""#, with: #""case":"\#(caseID)""#))
        }
        var daemon = try DaemonProcess(directory: directory)
        var publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, replyTimeout: .seconds(30))
        #expect(try publisher.send([Self.event("a"), Self.event("b")]).accepted == 2)
        // Taken in the same batch as the event it repeats, and in a later one.
        #expect(try publisher.send([Self.event("c"), moved("c", to: "other-1"), moved("a", to: "case-b")]).accepted == 3)
        publisher.close()
        let figures = try daemon.snapshot(subtree: "/m/all/@all").values
        #expect(figures["/m/all/@all"]?.hasPrefix(#"{"filed":3,"#) == true, "\(figures)")
        for (step, stop) in [("a clean restart", SIGTERM), ("a SIGKILL", SIGKILL)] {
            let status = daemon.terminate(signal: stop)
            #expect(stop == SIGKILL || status == 0, "log: \(daemon.log.suffix(2000))")
            daemon = try DaemonProcess(directory: directory)
            publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, replyTimeout: .seconds(30))
            let report = try publisher.send([moved("a", to: "other-2"), moved("b", to: "case-c"), moved("c", to: "case-a")])
            publisher.close()
            #expect(report.accepted == 3 && report.nacks.isEmpty, "after \(step)")
            #expect(try daemon.snapshot(subtree: "/m/all/@all").values == figures, "after \(step)")
            let ingest = try daemon.snapshot(subtree: "/sys/ingest").values["/sys/ingest"] ?? ""
            if stop == SIGTERM {
                #expect(ingest.hasPrefix(#"{"received":8,"accepted":3,"duplicates":5,"#), "\(ingest)")
            } else {
                // Duplicates since the last checkpoint are not stored (STATE.md): only `accepted` is exact.
                #expect(ingest.contains(#""accepted":3,"#), "\(ingest)")
            }
        }
        daemon.terminate()
    }
}
