import CasePulseClient
import CasePulseCore
import CasePulseStore
import CasePulseTestKit
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// Nothing lost, nothing counted twice: SIGKILL at random points, and loss detection on the
/// best-effort path.
@Suite struct DurabilityTests {
    @Test func sigkillAtThreeRandomPointsLosesNoAcknowledgedEventAndCountsNoneTwice() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-crash")
        // A checkpoint every 5,000 events: some of the kills land while one is being written.
        let arguments = ["--day-retention", "0", "--fsync", "batch", "--publish-interval", "50", "--checkpoint-events", "5000"]
        var daemon = try DaemonProcess(arguments: arguments, directory: directory)
        let events = JiningFeed(seed: 7).events()
        #expect(events.count >= 200_000)
        let reliableEndpoint = daemon.reliable

        let acknowledged = Atomic<Int>(0)
        let outcome = Mutex<Result<ReliableReport, CasePulseClientError>?>(nil)
        let sender = Thread {
            do {
                let context = try Context()
                let publisher = try ReliablePublisher(
                    context: context, endpoint: reliableEndpoint, window: 2000, retryInterval: .seconds(2),
                    maxAttempts: 200, replyTimeout: .seconds(120))
                let report = try publisher.send(events: events) { acknowledged.store($0.accepted, ordering: .relaxed) }
                publisher.close()
                outcome.withLock { $0 = .success(report) }
            } catch let error as CasePulseClientError {
                outcome.withLock { $0 = .failure(error) }
            } catch {
                outcome.withLock { $0 = .failure(.readFailed(path: "context", reason: "\(error)")) }
            }
        }
        sender.start()

        // Kill at three random points spread over the feed, restarting on the same state each time.
        var random = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        var killedAt: [Int] = []
        for third in 0..<3 {
            let point = events.count * (2 * third + 1) / 8 + random.int(0..<(events.count / 10))
            let deadline = ContinuousClock.now + .seconds(300)
            while acknowledged.load(ordering: .relaxed) < point, outcome.withLock({ $0 == nil }), ContinuousClock.now < deadline {
                usleep(20_000)
            }
            killedAt.append(acknowledged.load(ordering: .relaxed))
            #expect(daemon.terminate(signal: SIGKILL) == -1 || !daemon.process.isRunning)
            daemon = try DaemonProcess(arguments: arguments, directory: directory)
        }
        let deadline = ContinuousClock.now + .seconds(600)
        while outcome.withLock({ $0 == nil }), ContinuousClock.now < deadline { usleep(50_000) }
        let report = try #require(try outcome.withLock { $0 }?.get())
        #expect(report.allAccepted, "killed at \(killedAt); NACKs \(report.nacks.prefix(3)); unanswered \(report.unanswered.count)")
        #expect(report.accepted == events.count)

        let snapshot = try daemon.snapshot(subtree: "/m/")
        #expect(snapshot.values[JiningFeed.key] == JiningFeed.expected.canonicalJSON, "killed at \(killedAt)")
        let reference = ReferenceModel.aggregates(of: events, timeZone: JiningFeed.timeZone).mapValues(\.canonicalJSON)
        let wrong = reference.filter { snapshot.values[$0.key] != $0.value }
        #expect(snapshot.values.count == reference.count && wrong.isEmpty,
                "killed at \(killedAt): \(wrong.count) keys differ, e.g. \(wrong.first?.key ?? "")")

        // A clean stop checkpoints; the stored record then recomputes to the stored aggregates.
        #expect(daemon.terminate() == 0, "log: \(daemon.log.suffix(2000))")
        let verified = try StateVerifier.verify(directory: daemon.stateDirectory, timeZone: nil)
        #expect(verified.compared && verified.differences.isEmpty && verified.journalEvents == 0)
        #expect(verified.keysChecked == reference.count)
        // And a restart serves the same figures with sequence numbers above everything seen before.
        let restarted = try DaemonProcess(arguments: arguments, directory: directory)
        defer { restarted.terminate() }
        let again = try restarted.snapshot(subtree: "/m/")
        #expect(again.values == snapshot.values)
        #expect(again.sequence > snapshot.sequence)
        // It read the engine image the clean stop wrote, not every record.
        #expect(daemon.log.contains("engine image of"), "log: \(daemon.log.suffix(2000))")
        #expect(restarted.log.contains("tables from the engine image"), "log: \(restarted.log.suffix(2000))")
    }

    /// A journal that cannot grow (a full disk; here a file-size limit, `EFBIG`) stops the daemon
    /// with the file and errno at `critical` and a non-zero exit, having acknowledged nothing that
    /// was not durable; a restart recovers exactly what was, and a resend of everything counts each
    /// event once.
    @Test func aJournalThatCannotGrowStopsTheDaemonWithItsCauseAndLosesNoAcknowledgedEvent() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-full")
        // No checkpoint before the limit: one journal file takes every event, and its allocation
        // past the first 16 MiB (`Journal.allocationStep`) fails.
        let arguments = ["--day-retention", "0", "--fsync", "batch", "--checkpoint-events", "10000000"]
        let daemon = try DaemonProcess(arguments: arguments, directory: directory, fileSizeLimit: 20_000_000)
        let events = JiningFeed(seed: 7).events()

        let context = try Context()
        let acknowledged = try daemon.sendUntilSilent(events, context: context)
        #expect(acknowledged > 0 && acknowledged < events.count, "acknowledged \(acknowledged) of \(events.count)")

        #expect(daemon.waitForExit(), "the daemon went on without a journal")
        #expect(!daemon.process.isRunning && daemon.process.terminationStatus == 1, "casepulsed(8): 1 when the state could not be written while running")
        let cause = daemon.criticalLine
        #expect(cause.contains("\(daemon.stateDirectory)/journal-") && cause.contains("(errno \(EFBIG))"),
                "log: \(daemon.log.suffix(2000))")

        // What was durable comes back whole: at least every acknowledged event, and figures that are
        // exactly those of the feed's first events (one connection, so the journal holds a prefix).
        let restarted = try DaemonProcess(arguments: arguments, directory: directory)
        defer { restarted.terminate() }
        // The feed redelivers events, and a redelivery is acknowledged but stored once: `stored[n]`
        // is how many distinct events (case and id) the feed's first `n` hold.
        var stored = [0]
        var seen = Set<String>()
        for event in events { stored.append(stored[stored.count - 1] + (seen.insert("\(event.caseID)\u{0}\(event.id)").inserted ? 1 : 0)) }
        let durable = try restarted.ingestCounter("accepted")
        // Replies wait for every record before them to be durable: the acknowledged events are the
        // feed's first `acknowledged`.
        #expect(stored[acknowledged] <= durable && durable < seen.count, "acknowledged \(acknowledged), recovered \(durable)")
        let journaled = try #require(stored.firstIndex(of: durable), "no prefix of the feed holds \(durable) events")
        try restarted.expectFigures(of: events.prefix(journaled), "the first \(journaled) events")

        // A producer that resends everything has each event stored once: every one stored before
        // the stop is a duplicate, every other one is taken, and the figures are the feed's.
        let resend = try ReliablePublisher(context: context, endpoint: restarted.reliable, window: 1000, replyTimeout: .seconds(60))
        let report = try resend.send(events: events)
        resend.close()
        #expect(report.allAccepted && report.accepted == events.count)
        #expect(try restarted.ingestCounter("accepted") == seen.count)
        #expect(try restarted.ingestCounter("duplicates") == events.count - (seen.count - durable))
        #expect(try restarted.snapshot(subtree: JiningFeed.key).values[JiningFeed.key] == JiningFeed.expected.canonicalJSON)
    }

    @Test func withheldSequenceNumbersAreMissingUntilTheyArriveLate() throws {
        let daemon = try DaemonProcess(arguments: ["--publish-interval", "20"])
        defer { daemon.terminate() }
        let region = try #require(RegionCode("370812"))
        func event(_ seq: Int) -> CaseEvent {
            CaseEvent(
                id: "lossy-\(seq)", producer: "lossy-app", seq: UInt64(seq), type: .filed, caseID: "lossy-case-\(seq)",
                at: 1_700_000_000_000_000_000, region: region,
                agency: "scjg", channel: .online)
        }
        var random = SplitMix64(seed: 2026)
        let withheld = Set((0..<37).map { _ in random.int(2...999) })
        let context = try Context()
        let publisher = try EventPublisher(context: context, endpoint: daemon.ingest)
        defer { publisher.close() }
        for seq in 1...1000 where !withheld.contains(seq) { try publisher.send(event(seq)) }
        func producer(whenEvents count: Int) throws -> String {
            let deadline = ContinuousClock.now + .seconds(30)
            var value = ""
            while ContinuousClock.now < deadline {
                value = try daemon.snapshot(subtree: "/sys/producers/lossy-app").values["/sys/producers/lossy-app"] ?? ""
                if value.hasPrefix("{\"events\":\(count),") { break }
                usleep(50_000)
            }
            return value
        }
        let runs = withheld.filter { !withheld.contains($0 - 1) }.count
        let before = try producer(whenEvents: 1000 - withheld.count)
        #expect(before == "{\"events\":\(1000 - withheld.count),\"last_seq\":1000,\"gaps\":\(runs),\"missing\":\(withheld.count)}")
        // PROTOCOL.md §5.3: a gap is logged at warning with its range (the first within the rate limit).
        let first = try #require(withheld.min())
        var last = first
        while withheld.contains(last + 1) { last += 1 }
        let line = "producer lossy-app: sequence gap, \(last - first + 1) missing (\(first)…\(last))"
        #expect(daemon.log.split(separator: "\n").contains { $0.contains("WARNING") && $0.hasSuffix(line) }, "log: \(daemon.log.prefix(2000))")
        for seq in withheld.sorted() { try publisher.send(event(seq)) }
        for seq in [1, 2, 500] { try publisher.send(event(seq)) }  // redelivered old numbers: not gaps
        let after = try producer(whenEvents: 1003)
        #expect(after == "{\"events\":1003,\"last_seq\":1000,\"gaps\":\(runs),\"missing\":0}")
    }
}
