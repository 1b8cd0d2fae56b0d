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
        for seq in withheld.sorted() { try publisher.send(event(seq)) }
        for seq in [1, 2, 500] { try publisher.send(event(seq)) }  // redelivered old numbers: not gaps
        let after = try producer(whenEvents: 1003)
        #expect(after == "{\"events\":1003,\"last_seq\":1000,\"gaps\":\(runs),\"missing\":0}")
    }
}
