import CasePulseClient
import CasePulseCore
import CasePulseServer
import CasePulseStore
import CasePulseTestKit
import Foundation
import Logging
import Testing
import ZeroMQ

/// Checkpoints in the running daemon (STATE.md, "Write path and durability" 3): the routine ones
/// fold the journal into the case records and delete its old files; one that cannot be written
/// stops the daemon, and a restart loses no acknowledged event.
@Suite struct CheckpointTests {
    /// Every `--checkpoint-events` events a routine checkpoint moves the journal to a new epoch,
    /// stores the changed cases' records and deletes the files it folded in: the journal holds
    /// fewer events than that once ingest is idle, and a crash then recovers from the records.
    @Test func routineCheckpointsFoldTheJournalIntoTheRecordsAndDeleteItsOldFiles() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-checkpoints")
        let checkpointEvents = 1000
        let arguments = ["--day-retention", "0", "--fsync", "batch", "--checkpoint-events", "\(checkpointEvents)"]
        let daemon = try DaemonProcess(arguments: arguments, directory: directory)
        let events = Array(JiningFeed(seed: 11).events().prefix(8000))
        let distinct = Set(events.map { "\($0.caseID)\u{0}\($0.id)" }).count

        let context = try Context()
        let publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, window: 500, replyTimeout: .seconds(30))
        let report = try publisher.send(events: events)
        publisher.close()
        #expect(report.allAccepted && report.accepted == events.count)

        // The checkpoints run while events flow and go on until fewer than `checkpointEvents` are
        // pending: then the journal's files are the current epoch's and the one made ready after
        // it, epoch 1's long deleted, and the records hold the rest.
        func journalEpochs() throws -> [UInt64] {
            try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory).compactMap { name in
                guard name.hasPrefix("journal-"), name.hasSuffix(".cpj") else { return nil }
                return UInt64(name.dropFirst("journal-".count).dropLast(".cpj".count))
            }.sorted()
        }
        var epochs: [UInt64] = []
        var stored: StateVerifier.Report?
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            epochs = try journalEpochs()
            // Read-only, beside the running daemon; a file deleted under the read is read again.
            stored = try? StateVerifier.verify(directory: daemon.stateDirectory, timeZone: nil)
            if let stored, let first = epochs.first, first >= 3, epochs.count <= 3, stored.cases > 0,
               stored.journalEvents < checkpointEvents {
                break
            }
            usleep(50_000)
        }
        #expect((epochs.first ?? 0) >= 3 && epochs.count <= 3, "journal files of epochs \(epochs); log: \(daemon.log.suffix(2000))")
        #expect((stored?.cases ?? 0) > 0, "no case records stored: \(String(describing: stored))")
        #expect((stored?.journalEvents ?? .max) < checkpointEvents, "the journal still holds \(stored?.journalEvents ?? -1) events")

        // A crash now recovers the records and replays only the journal's last events.
        #expect(daemon.terminate(signal: SIGKILL) == -1 || !daemon.process.isRunning)
        let frozen = try StateVerifier.verify(directory: daemon.stateDirectory, timeZone: nil)
        let restarted = try DaemonProcess(arguments: arguments, directory: directory)
        defer { restarted.terminate() }
        let line = try #require(restarted.log.split(separator: "\n").first { $0.contains("recovered ") }, "log: \(restarted.log)")
        let match = try #require(line.firstMatch(of: /recovered (\d+) cases and (\d+) journal events/), "\(line)")
        let (cases, journaled) = (Int(match.1) ?? -1, Int(match.2) ?? -1)
        #expect(cases > 0 && cases == frozen.cases, "\(line); \(frozen.cases) records on disk")
        #expect(journaled < checkpointEvents && journaled == frozen.journalEvents, "\(line); \(frozen.journalEvents) journal events on disk")

        try restarted.expectFigures(of: events, "\(events.count) events")
        #expect(try restarted.ingestCounter("accepted") == distinct, "\(distinct) distinct events sent")
    }

    /// STATE.md, "Write path and durability" 3: a checkpoint also runs when `checkpointSeconds`
    /// (60 s in the daemon) have passed with events pending, however few: a quiet feed is folded
    /// into the records rather than left to a long replay. An in-process server, its interval 1 s.
    @Test func aCheckpointAlsoRunsWhenItsIntervalPassesWithEventsPending() async throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-timed")
        let directory = scratch.path + "/state"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = ServerConfiguration()
        configuration.snapshotEndpoint = "ipc://\(scratch.path)/snapshot"
        configuration.publishEndpoint = "ipc://\(scratch.path)/publish"
        configuration.ingestBinds = ["ipc://\(scratch.path)/ingest"]
        configuration.reliableEndpoints = ["ipc://\(scratch.path)/reliable"]
        configuration.stateDirectory = directory
        configuration.checkpointEvents = 1_000_000
        configuration.checkpointSeconds = 1
        let context = try Context()
        let server = try Server(configuration: configuration, context: context, logger: Logger(label: "timed-checkpoint"))
        try server.start()

        let events = Array(JiningFeed(seed: 5).events().prefix(10))
        let publisher = try ReliablePublisher(context: context, endpoint: configuration.reliableEndpoints[0], replyTimeout: .seconds(10))
        let report = try publisher.send(events: events)
        publisher.close()
        #expect(report.allAccepted && report.accepted == events.count)

        // Read-only beside the running server: the records take the events, the journal empties.
        var stored: StateVerifier.Report?
        let deadline = ContinuousClock.now + .seconds(15)
        repeat {
            usleep(100_000)
            stored = try? StateVerifier.verify(directory: directory, timeZone: nil)
        } while ContinuousClock.now < deadline && !(stored.map { $0.cases > 0 && $0.journalEvents == 0 } ?? false)
        let cases = Set(events.map(\.caseID)).count
        #expect(stored?.cases == cases && stored?.journalEvents == 0, "\(String(describing: stored))")
        server.stop()
        await server.waitUntilStopped()
    }

    /// A journal file that cannot be made ready (here a file-size limit below the journal's
    /// 16 MiB preallocation, `EFBIG`) stops the start, before any endpoint is bound, with one line
    /// naming the file and the errno; the state stays usable.
    @Test func aJournalFileThatCannotBePreparedStopsTheStartNamingTheFileAndErrno() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-noroom")
        let arguments = ["--day-retention", "0"]
        let daemon = try DaemonProcess(arguments: arguments, directory: directory, waitUntilReady: false, fileSizeLimit: 4 << 20)
        // Required: a restart while it runs would find this daemon answering on the same endpoints.
        try #require(daemon.waitForExit(timeout: .seconds(20)), "the daemon started without room for its journal")
        #expect(daemon.process.terminationStatus == 1)
        let log = daemon.log
        let causes = log.split(separator: "\n").filter { $0.contains("\(daemon.stateDirectory)/journal-1.cpj") }
        #expect(causes.count == 1 && causes[0].contains("(errno \(EFBIG))"), "log: \(log)")
        #expect(!log.contains("serving"), "log: \(log)")

        let restarted = try DaemonProcess(arguments: arguments, directory: directory)
        defer { restarted.terminate() }
        #expect(restarted.log.contains("recovered 0 cases and 0 journal events"), "log: \(restarted.log)")
    }

    /// A routine checkpoint whose SQLite transaction fails (a file-size limit, `EFBIG`, as on a
    /// disk that fills while the daemon runs) stops the daemon non-zero with the database file at
    /// `critical`, having acknowledged nothing that was not durable; a restart recovers every
    /// acknowledged event, and a resend counts each once.
    ///
    /// The journal's files are 16 MiB, so the limit must be above that: the daemon first grows the
    /// state database past it, then the limit is lowered on the running process. SQLite then cannot
    /// fold its write-ahead log into the database file (that would extend it; SQLite ignores the
    /// failure of its automatic checkpoints), so the log grows with every checkpoint's pages until
    /// a transaction's write to it fails, while the journal holds far less than 16 MiB.
    @Test func aCheckpointThatCannotBeWrittenStopsTheDaemonAndLosesNoAcknowledgedEvent() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-dbfull")
        let arguments = ["--day-retention", "0", "--fsync", "batch", "--checkpoint-events", "1000"]
        let (load, decisions) = Self.bulkyCases(44_000, decided: 14_000)
        let context = try Context()

        // The load, with no effective limit yet (but `SIGXFSZ` ignored): the database file grows
        // past the limit to come.
        let daemon = try DaemonProcess(arguments: arguments, directory: directory, fileSizeLimit: 1 << 40)
        let loading = try ReliablePublisher(context: context, endpoint: daemon.reliable, window: 1000, replyTimeout: .seconds(30))
        let loaded = try loading.send(events: load)
        loading.close()
        #expect(loaded.allAccepted && loaded.accepted == load.count)
        let databasePath = "\(daemon.stateDirectory)/casepulse.sqlite"
        func size(_ name: String) -> Int {
            (try? FileManager.default.attributesOfItem(atPath: "\(daemon.stateDirectory)/\(name)")[.size] as? Int) ?? 0
        }
        // Above the journal's 16 MiB files, so that the journal never fails; below the database.
        let limit = (16 << 20) + (64 << 10)
        let grown = ContinuousClock.now + .seconds(20)
        while size("casepulse.sqlite") <= limit, ContinuousClock.now < grown { usleep(50_000) }
        try #require(size("casepulse.sqlite") > limit, "the load made a database of only \(size("casepulse.sqlite")) bytes")
        let prlimit = Process()
        prlimit.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        prlimit.arguments = ["prlimit", "--pid", "\(daemon.process.processIdentifier)", "--fsize=\(limit)"]
        try prlimit.run()
        prlimit.waitUntilExit()
        try #require(prlimit.terminationStatus == 0, "prlimit could not lower the daemon's file-size limit")

        // Decisions for cases spread over the whole database: every checkpoint rewrites pages all
        // over it, and the write-ahead log grows by about 4 KiB per case until it passes the limit.
        // All answered is possible: the failing checkpoint may come after the last ACK.
        let acknowledged = try daemon.sendUntilSilent(decisions, context: context)
        #expect(acknowledged > 0, "the daemon acknowledged nothing before the database filled")

        try #require(daemon.waitForExit(), "the daemon went on though its checkpoints failed; log: \(daemon.log.suffix(2000))")
        #expect(daemon.process.terminationStatus == 1)
        let cause = daemon.criticalLine
        #expect(cause.contains("cannot checkpoint \(databasePath)"), "log: \(daemon.log.suffix(2000))")
        // STATE.md: the error is logged "with the file and errno": SQLite's message alone says
        // "disk I/O error", so the line adds the errno the connection last failed with.
        #expect(cause.contains("errno \(EFBIG))"), "\(cause)")
        // The journal never needed more than its first 16 MiB: it was not what failed.
        for name in try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory) where name.hasPrefix("journal-") {
            #expect(size(name) == 16 << 20, "\(name): \(size(name)) bytes")
        }

        // What was durable comes back whole: every acknowledged event, and figures that are exactly
        // those of the load and the first decisions sent (one connection, each event distinct, so
        // what the journal holds is a prefix).
        let restarted = try DaemonProcess(arguments: arguments, directory: directory)
        defer { restarted.terminate() }
        let durable = try restarted.ingestCounter("accepted") - load.count
        #expect(acknowledged <= durable && durable <= decisions.count, "acknowledged \(acknowledged), recovered \(durable)")
        try restarted.expectFigures(of: load + decisions.prefix(max(0, durable)), "the load and \(durable) decisions")

        // A producer that resends every decision has each stored once.
        let resend = try ReliablePublisher(context: context, endpoint: restarted.reliable, window: 1000, replyTimeout: .seconds(60))
        let report = try resend.send(events: decisions)
        resend.close()
        #expect(report.allAccepted && report.accepted == decisions.count)
        #expect(try restarted.ingestCounter("accepted") == load.count + decisions.count)
        #expect(try restarted.ingestCounter("duplicates") == durable)
        try restarted.expectFigures(of: load + decisions, "every event")
    }

    /// Jining cases whose case ids and event ids are the longest the contract allows (128
    /// characters), so that their records fill the database quickly. `load`: `cases` filings, and
    /// a decision for every second case; `decisions`: decisions for `decided` of the other cases,
    /// in random order, so that they fall all over the `cases` table. Every event is distinct, one
    /// producer's, numbered in the order load, decisions.
    static func bulkyCases(_ cases: Int, decided: Int) -> (load: [CaseEvent], decisions: [CaseEvent]) {
        var random = SplitMix64(seed: 2027)
        let regions = JiningFeed.counties.compactMap { RegionCode($0) }
        let start: Int64 = 1_704_038_400 * 1_000_000_000  // 2024-01-01T00:00+08:00
        func long(_ prefix: String, _ number: Int) -> String {
            let head = "\(prefix)-\(number)-"
            return head + String(repeating: "x", count: 128 - head.count)
        }
        struct Case { var region: RegionCode, agency: String, subject: String, at: Int64 }
        let all = (0..<cases).map { number in
            Case(region: random.pick(regions), agency: random.pick(JiningFeed.agencies),
                 subject: JiningFeed.party(random.int(0..<5000)), at: start + Int64(number) * 61_000_000_000)
        }
        var seq: UInt64 = 0
        func decision(_ number: Int) -> CaseEvent {
            let decision = random.pick(Decision.allCases)
            seq += 1
            return CaseEvent(
                id: long("decided", number), producer: "checkpoint-app", seq: seq, type: .decided,
                caseID: long("checkpoint-case", number), at: all[number].at + 86_400_000_000_000,
                region: all[number].region, agency: all[number].agency, subject: all[number].subject,
                decision: decision, reason: decision == .noPenalty ? random.pick(Reason.allCases) : nil,
                fineFen: decision == .noPenalty ? 0 : Int64(random.int(1...500_000)) * 100,
                waivedFen: decision == .reduced ? Int64(random.int(1...1000)) * 100 : 0)
        }
        var load: [CaseEvent] = []
        load.reserveCapacity(cases * 3 / 2)
        for number in 0..<cases {
            seq += 1
            load.append(CaseEvent(
                id: long("filed", number), producer: "checkpoint-app", seq: seq, type: .filed,
                caseID: long("checkpoint-case", number), at: all[number].at, region: all[number].region,
                agency: all[number].agency, channel: random.int(0..<4) == 0 ? .offline : .online,
                subject: all[number].subject))
            if number % 2 == 0 { load.append(decision(number)) }
        }
        let undecided = random.shuffled(Array(stride(from: 1, to: cases, by: 2))).prefix(decided)
        return (load, undecided.map(decision))
    }
}
