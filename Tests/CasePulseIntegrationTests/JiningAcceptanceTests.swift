import CasePulseClient
import CasePulseCore
import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// Acceptance: Jining's 2022 figures (DOMAIN.md) come out of the real daemon exactly, over real
/// sockets, from a stream carrying redeliveries, reordering, corrected decisions and voided cases.
@Suite struct JiningAcceptanceTests {
    @Test func theJiningFiguresComeOutExactlyInTheSnapshotAndInTheUpdates() throws {
        let daemon = try DaemonProcess(arguments: ["--day-retention", "0", "--publish-interval", "50"])
        defer { daemon.terminate() }
        let context = try Context()
        // A dashboard that joined before the feed (subscribe, snapshot, then newer updates only).
        let dashboard = try HashmapClient(
            context: context, snapshotEndpoint: daemon.snapshot, publishEndpoint: daemon.publish,
            subtree: "/m/all/370000/370800/")
        #expect(dashboard.values.isEmpty)

        let events = JiningFeed(seed: 2022).events()
        // Every third event goes best-effort, the rest reliably; redeliveries cross the two paths.
        let publisher = try EventPublisher(context: context, endpoint: daemon.ingest)
        var bestEffort = 0
        for (index, event) in events.enumerated() where index % 3 == 0 {
            try publisher.send(event)
            bestEffort += 1
        }
        let reliable = try ReliablePublisher(context: context, endpoint: daemon.reliable, window: 2000)
        let report = try reliable.send(events: events.enumerated().lazy.filter { $0.offset % 3 != 0 }.map(\.element), progress: nil)
        reliable.close()
        publisher.close()
        #expect(report.allAccepted, "NACKs: \(report.nacks.prefix(5))")
        #expect(report.accepted == events.count - bestEffort)

        // Wait until the daemon has seen every message of both paths.
        let deadline = ContinuousClock.now + .seconds(60)
        var ingest = ""
        while ContinuousClock.now < deadline {
            ingest = try daemon.snapshot(subtree: "/sys/ingest").values["/sys/ingest"] ?? ""
            if ingest.hasPrefix("{\"received\":\(events.count),") { break }
            usleep(100_000)
        }
        #expect(ingest.hasPrefix("{\"received\":\(events.count),"), "ingest: \(ingest)")
        #expect(ingest.contains("\"rejected\":0,"), "ingest: \(ingest)")

        let snapshot = try daemon.snapshot(subtree: "/m/")
        let jining = try #require(snapshot.values[JiningFeed.key])
        #expect(jining == JiningFeed.expected.canonicalJSON)
        for figure in [#""filed":102135,"#, #""filed_online":99173,"#, #""no_penalty":12040,"#, #""reduced":1237,"#,
                       #""waived_fen":2204185000,"#, #""beneficiaries":13190,"#] {
            #expect(jining.contains(figure), "\(figure) missing in \(jining)")
        }

        // Every key, not just Jining's, equals the independent reference computation.
        let reference = ReferenceModel.aggregates(of: events, timeZone: JiningFeed.timeZone).mapValues(\.canonicalJSON)
        #expect(snapshot.values.count == reference.count)
        let wrong = reference.filter { snapshot.values[$0.key] != $0.value }
        #expect(wrong.isEmpty, "\(wrong.count) keys differ, e.g. \(wrong.first.map { "\($0.key): daemon \(snapshot.values[$0.key] ?? "absent") reference \($0.value)" } ?? "")")

        // The dashboard ends with the same values from KVPUB updates alone.
        let caughtUp = try dashboard.poll(until: { $0[JiningFeed.key] == jining }, timeout: .seconds(30))
        #expect(caughtUp)
        let jiningSubtree = snapshot.values.filter { $0.key.hasPrefix("/m/all/370000/370800/") }
        _ = try dashboard.poll(until: { $0.filter { $0.key.hasPrefix("/m/") } == jiningSubtree }, timeout: .seconds(10))
        #expect(dashboard.values.filter { $0.key.hasPrefix("/m/") } == jiningSubtree)
    }
}
