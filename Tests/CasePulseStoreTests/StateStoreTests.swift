import CasePulseCore
import CasePulseTestKit
import CasePulseWire
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import CasePulseStore

@Suite struct StateStoreTests {
    static let configuration = EngineConfiguration(timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt, dayRetentionDays: 0)

    /// Events of several random sets, with distinct case ids and event ids per set (ids are unique
    /// in a deployment: one seen in another case is a duplicate).
    static func events(sets: ClosedRange<UInt64>) -> [CaseEvent] {
        sets.flatMap { seed in
            RandomCaseEvents(seed: seed).events().map { event in
                var event = event
                event.caseID = "s\(seed)-\(event.caseID)"
                event.id = "s\(seed)-\(event.id)"
                return event
            }
        }
    }

    @Test func recordsRoundTripThroughTheirBinaryLayout() {
        let engine = Engine(configuration: Self.configuration)
        for event in Self.events(sets: 1...40) { engine.apply(event) }
        var checked = 0
        for record in engine.takeChangedRecords() {
            let caseID = record.caseID
            let bytes = RecordCodec.encode(record)
            #expect((try? RecordCodec.decode(caseID: caseID, bytes)) == record)
            #expect(throws: StoreError.self) { try RecordCodec.decode(caseID: caseID, bytes.dropLast()) }
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test func aRestartRebuildsExactlyTheSameFiguresFromCheckpointAndJournal() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        // Enough cases that the records pass in many batches, the last one partial.
        let events = Self.events(sets: 1...1_000)
        let live = Engine(configuration: Self.configuration)
        do {
            let store = try StateStore(directory: directory, fsync: .batch)
            let (engine, recovery) = try store.recover(configuration: Self.configuration)
            #expect(recovery.cases == 0 && recovery.journalEvents == 0)
            for (index, event) in events.enumerated() {
                if engine.apply(event) == .accepted { store.append(event) }
                live.apply(event)
                if index % 500 == 0 { try store.commit() }
                if index == events.count / 2 {
                    engine.publishChanges { _ in }
                    try store.checkpoint(engine)
                }
            }
            try store.commit()  // the second half stays in the journal
            #expect(store.eventsSinceCheckpoint > 0)
        }
        let store = try StateStore(directory: directory, fsync: .batch)
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents > 0 && recovery.cases > 0)
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        #expect(recovered.ingest.accepted == live.ingest.accepted)
        #expect(recovered.producers == live.producers)
        // Redeliveries are still told apart after the restart.
        for event in events.prefix(200) { #expect(recovered.apply(event) == .duplicate) }
    }

    /// Recovery reads records on one thread and folds them on another: a record that no longer
    /// decodes, deep in a table of many batches, stops it with that case's name, and does not hang.
    @Test func aRecordThatNoLongerDecodesStopsRecoveryNamingItsCase() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            for event in Self.events(sets: 1...1_000) where engine.apply(event) == .accepted { store.append(event) }
            try store.commit()
            try store.checkpoint(engine)
        }
        let queue = try DatabaseQueue(path: directory + "/casepulse.sqlite")
        let victim = try queue.write { db -> String in
            let ids = try String.fetchAll(db, sql: "SELECT case_id FROM cases")
            #expect(ids.count > FoldingThread<[CaseRecord]>.batchSize * (FoldingThread<[CaseRecord]>.queuedBatches + 1))
            let victim = ids[ids.count * 3 / 4]
            try db.execute(sql: "UPDATE cases SET record = x'FF' WHERE case_id = ?", arguments: [victim])
            return victim
        }
        try queue.close()
        let store = try StateStore(directory: directory, fsync: .off)
        #expect {
            _ = try store.recover(configuration: Self.configuration)
        } throws: { error in
            "\(error)" == "case \(victim): unknown record layout"
        }
    }

    @Test func aCheckpointEmptiesTheJournalAndACleanStopStoresWhatVerifyChecks() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, _) = try store.recover(configuration: Self.configuration)
        let events = Self.events(sets: 1...20)
        for event in events.prefix(events.count / 2) where engine.apply(event) == .accepted { store.append(event) }
        try store.checkpoint(engine)
        try store.waitForCheckpoint()
        // Only the new epoch's file is left, still empty, and the one after it, made ready.
        #expect(try Journal.epochs(in: directory) == [store.journal.epoch, store.journal.epoch + 1])
        #expect(try StateStore.journalFileEventCount(directory: directory, firstEpoch: 1) == 0)
        func tables() throws -> (journal: Int, aggregates: [String: String]) {
            try store.queue.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM journal") ?? -1,
                 try [String: String](uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM aggregates").map { ($0[0], $0[1]) }))
            }
        }
        #expect(try tables().journal == 0)
        // A routine checkpoint leaves the aggregates to the records: verify cannot compare yet.
        var report = try StateVerifier.verify(directory: directory, timeZone: nil)
        #expect(!report.compared && report.keysRecomputed == engine.values(under: "/m/").count)
        for event in events.dropFirst(events.count / 2) where engine.apply(event) == .accepted { store.append(event) }
        try store.checkpoint(engine, final: true)
        #expect(try tables().aggregates == engine.values(under: "/m/"))
        report = try StateVerifier.verify(directory: directory, timeZone: nil)
        #expect(report.compared && report.differences.isEmpty && report.keysChecked == engine.values(under: "/m/").count)
        // A tampered figure is found.
        try store.queue.write { db in
            try db.execute(sql: "UPDATE aggregates SET value = replace(value, '\"filed\":', '\"filed\":1') WHERE key = '/m/all/@all'")
        }
        report = try StateVerifier.verify(directory: directory, timeZone: nil)
        #expect(report.differences.map(\.key) == ["/m/all/@all"])
    }

    @Test func aRoutineCheckpointIsWrittenAtTheLowestCPUPriorityAndTheCallerKeepsItsOwn() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, _) = try store.recover(configuration: Self.configuration)
        for event in Self.events(sets: 1...3) where engine.apply(event) == .accepted { store.append(event) }
        errno = 0
        let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        try #require(errno == 0)
        #expect(store.writer.lastNice == nil)
        try store.checkpoint(engine)
        try store.waitForCheckpoint()
        #expect(store.writer.lastNice == CheckpointWriter.lowestNice)
        // A second checkpoint gets a thread of its own, at the same priority.
        for event in Self.events(sets: 4...5) where engine.apply(event) == .accepted { store.append(event) }
        try store.checkpoint(engine)
        try store.waitForCheckpoint()
        #expect(store.writer.lastNice == CheckpointWriter.lowestNice)
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == own)
    }

    @Test func sequenceNumbersKeepRisingAcrossRestarts() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        var last: UInt64 = 0
        for round in 0..<3 {
            let store = try StateStore(directory: directory, fsync: .batch)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            #expect(engine.sequence > last || round == 0)
            for event in Self.events(sets: UInt64(round * 5 + 1)...UInt64(round * 5 + 5)) where engine.apply(event) == .accepted {
                store.append(event)
            }
            try store.ensureSequence(engine.sequence + UInt64(engine.pendingChangeCount) + 1, configuration: Self.configuration)
            engine.publishChanges { last = $0.sequence }
            try store.commit()
            // No checkpoint: a crash right after publishing.
        }
    }

    @Test func aCaseIdInTwoUnicodeFormsIsStoredOnceAndCountedOnce() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let composed = "案-\u{00E9}"  // é precomposed
        let decomposed = "案-e\u{0301}"  // the same text, decomposed
        let region = try #require(RegionCode("370812"))
        let filing = CaseEvent(id: "f", producer: "p", type: .filed, caseID: composed, at: 1_700_000_000_000_000_000,
                               region: region, agency: "scjg", channel: .online)
        let decision = CaseEvent(id: "d", producer: "p", type: .decided, caseID: decomposed, at: 1_700_000_100_000_000_000,
                                 region: region, agency: "scjg", decision: .noPenalty, reason: .minor)
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            for event in [filing, decision] {
                #expect(engine.apply(event) == .accepted)
                store.append(event)
                try store.checkpoint(engine)
                try store.waitForCheckpoint()
            }
        }
        let store = try StateStore(directory: directory, fsync: .off)
        let rows = try store.queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM cases") }
        #expect(rows == 1)
        let (engine, _) = try store.recover(configuration: Self.configuration)
        let all = try #require(engine.aggregate(forKey: "/m/all/@all"))
        #expect(all.filed == 1 && all.decided == 1)
    }

    @Test func aRecordClaimingMoreSeenIdsThanItHoldsIsRefusedWithoutAllocating() {
        var bytes: [UInt8] = [1, 0]
        RecordCodec.putVar(&bytes, UInt64(1) << 40)
        #expect(throws: StoreError.self) { try RecordCodec.decode(caseID: "c", bytes) }
    }

    @Test func aSecondDaemonOnTheSameDirectoryIsRefused() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let first = try StateStore(directory: directory, fsync: .batch)
        #expect(throws: StoreError.self) { try StateStore(directory: directory, fsync: .batch) }
        _ = first
    }

    /// Protocols/STATE.md, Write path and durability, the `--fsync` table: `always` and `batch`
    /// run SQLite with `synchronous=FULL` (2), `off` with `synchronous=OFF` (0), and the database
    /// is in WAL mode. Read through the store's own connection: `synchronous` is per connection.
    @Test(arguments: [(FsyncMode.always, 2), (.batch, 2), (.off, 0)])
    func theFsyncModeSetsSQLitesSynchronousInWALMode(fsync: FsyncMode, synchronous: Int) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store")
        let store = try StateStore(directory: scratch.path, fsync: fsync)
        let (mode, journal) = try store.queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try String.fetchOne(db, sql: "PRAGMA journal_mode"))
        }
        #expect(mode == synchronous)
        #expect(journal == "wal")
    }

    /// `casepulse verify` beside a running daemon: a checkpoint that commits after the verifier's
    /// snapshot is taken and before it reads the journal's files deletes the file of the epoch the
    /// snapshot names, whose events the snapshot's records do not hold. The verifier reads again
    /// rather than report those events nowhere; a state checkpointed during every read is refused.
    @Test func verifyReadsAgainWhenACheckpointCommitsBeforeItReadsTheJournal() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, _) = try store.recover(configuration: Self.configuration)
        let events = Self.events(sets: 1...20)
        func load(_ part: some Sequence<CaseEvent>) throws {
            for event in part where engine.apply(event) == .accepted { store.append(event) }
            try store.commit()
        }
        try load(events.prefix(events.count / 2))
        try store.checkpoint(engine)
        try store.waitForCheckpoint()
        try load(events.dropFirst(events.count / 2))
        let cases = Set(events.map(\.caseID)).count
        let folded = try StateVerifier.verify(directory: directory, timeZone: nil)
        #expect(folded.cases < cases && folded.cases + folded.journalEvents > cases, "\(folded)")

        var checkpoints = 0
        let report = try StateVerifier.verify(directory: directory, timeZone: nil) {
            guard checkpoints == 0 else { return }
            checkpoints += 1
            try store.checkpoint(engine)
            try store.waitForCheckpoint()
        }
        #expect(checkpoints == 1)
        #expect(report.cases == cases && report.journalEvents == 0, "\(report)")

        #expect {
            try StateVerifier.verify(directory: directory, timeZone: nil) {
                try load(Self.events(sets: UInt64(30 + checkpoints)...UInt64(30 + checkpoints)))
                checkpoints += 1
                try store.checkpoint(engine)
                try store.waitForCheckpoint()
            }
        } throws: { error in
            "\(error)".contains("the daemon checkpointed while each of \(StateVerifier.attempts) reads")
        }
        #expect(checkpoints == 1 + StateVerifier.attempts)
    }

    /// The records restored with their figures settled every few entries — each settling adding
    /// on a thread of its own while the folding thread waits — give the figures of the engine
    /// that wrote them, every contribution once.
    @Test(arguments: [1, 7, 1000] as [Int])
    func recordsRestoredWithFrequentSettlingsGiveTheWritersFigures(deferralEntries: Int) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, _) = try store.recover(configuration: Self.configuration)
        for event in Self.events(sets: 1...20) where engine.apply(event) == .accepted { store.append(event) }
        try store.checkpoint(engine)
        try store.waitForCheckpoint()
        let restored = Engine(configuration: Self.configuration)
        let cases = try store.queue.read { db in
            try CaseRestorer.restoreAll(from: db, into: restored, deferralEntries: deferralEntries)
        }
        #expect(cases == Set(Self.events(sets: 1...20).map(\.caseID)).count)
        #expect(restored.defersFigures)
        StateStore.settle(restored)
        #expect(restored.values(under: "/m/") == engine.values(under: "/m/"))
    }

    @Test func bodiesAreJournaledAsReceivedAndReplayedFromTheirBatches() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(sets: 1...20)
        let live = Engine(configuration: Self.configuration)
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            _ = try store.recover(configuration: Self.configuration)
            for (index, event) in events.enumerated() where live.apply(event) == .accepted {
                // A body with extra white space and an unknown field: replayed as it arrived.
                var body = " " + String(event.jsonLine.dropLast()) + ",\"x-note\":\"n\"} "
                body.withUTF8 { store.append(body: UnsafeRawBufferPointer($0)) }
                if index % 97 == 0 { try store.commit() }
            }
            try store.commit()
            let batches = try Journal.read(directory: directory, epoch: store.journal.epoch) { _, _ in }.records
            #expect(batches > 1 && batches < events.count / 10)
            #expect(try StateStore.journalFileEventCount(directory: directory, firstEpoch: 1) == Int(live.ingest.accepted))
        }
        let store = try StateStore(directory: directory, fsync: .off)
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == Int(live.ingest.accepted))
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
    }

    /// The journal is decoded on the recovering thread and applied on another: a body that no
    /// longer decodes, behind more batches than the queue holds, stops recovery naming the file,
    /// and does not hang.
    @Test func aJournalEventThatNoLongerDecodesStopsRecoveryNamingTheFile() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(sets: 1...1_000)
        let badAt = FoldingThread<CaseEventBatch>.batchSize * (FoldingThread<CaseEventBatch>.queuedBatches + 2)
        #expect(events.count > badAt + 100)
        let path: String
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            _ = try store.recover(configuration: Self.configuration)
            for (index, event) in events.enumerated() {
                if index == badAt {
                    var bad = #"{"v":1,"type":"filed"}"#
                    bad.withUTF8 { store.append(body: UnsafeRawBufferPointer($0)) }
                }
                store.append(event)
                if index % 500 == 0 { try store.commit() }
            }
            try store.commit()
            path = Journal.path(directory: directory, epoch: store.journal.epoch)
        }
        let store = try StateStore(directory: directory, fsync: .off)
        #expect {
            _ = try store.recover(configuration: Self.configuration)
        } throws: { error in
            "\(error)".hasPrefix("\(path) holds an event that no longer decodes: ")
        }
    }

    @Test func aTruncatedFormatTwoJournalBatchIsRefusedNamingTheFile() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            var batch: [UInt8] = []
            var line = Self.events(sets: 1...1)[0].jsonLine
            line.withUTF8 { body in
                withUnsafeBytes(of: UInt32(body.count).littleEndian) { batch.append(contentsOf: $0) }
                batch.append(contentsOf: body.dropLast(3))
            }
            try store.queue.write { db in
                try db.execute(sql: "INSERT INTO journal_batches (events) VALUES (?)", arguments: [Data(batch)])
            }
        }
        let store = try StateStore(directory: directory, fsync: .off)
        #expect { _ = try store.recover(configuration: Self.configuration) } throws: { error in
            "\(error)".contains("truncated") && "\(error)".contains(directory)
        }
    }

    @Test func aFormatOneJournalIsStillReplayedAfterTheUpgrade() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(sets: 1...5)
        let live = Engine(configuration: Self.configuration)
        for event in events { live.apply(event) }
        // A state as format 1 left it: the `v1` tables only, the journal one JSON line per row.
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let queue = try DatabaseQueue(path: directory + "/casepulse.sqlite")
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in try db.execute(sql: StateStore.formatOneSchema) }
            try migrator.migrate(queue)
            try queue.write { db in
                for event in events { try db.execute(sql: "INSERT INTO journal (event) VALUES (?)", arguments: [event.jsonLine]) }
            }
        }
        try Self.expectTheUpgradeReplays(directory, journaling: events, as: live)
    }

    /// STATE.md: a format-2 journal (`journal_batches`, each row a batch of bodies as received,
    /// each a little-endian u32 length and its bytes) is still replayed after the upgrade, after
    /// the format-1 rows, and a checkpoint folds it away.
    @Test func aFormatTwoJournalIsStillReplayedAfterTheUpgrade() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(sets: 1...6)
        let live = Engine(configuration: Self.configuration)
        for event in events { live.apply(event) }
        let (rows, batched) = (events.prefix(40), events.dropFirst(40))
        // A state as format 2 left it: the `v1` and `v2` tables, the oldest events one JSON line
        // per row, the rest in batches of up to 64 bodies.
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let queue = try DatabaseQueue(path: directory + "/casepulse.sqlite")
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in try db.execute(sql: StateStore.formatOneSchema) }
            migrator.registerMigration("v2") { db in
                try db.execute(sql: """
                    CREATE TABLE journal_batches (position INTEGER PRIMARY KEY, events BLOB NOT NULL);
                    UPDATE meta SET value = '2' WHERE key = 'format_version';
                    """)
            }
            try migrator.migrate(queue)
            try queue.write { db in
                for event in rows { try db.execute(sql: "INSERT INTO journal (event) VALUES (?)", arguments: [event.jsonLine]) }
                for start in stride(from: batched.startIndex, to: batched.endIndex, by: 64) {
                    var batch: [UInt8] = []
                    for event in batched[start..<min(start + 64, batched.endIndex)] {
                        let body = Array(event.jsonLine.utf8)
                        withUnsafeBytes(of: UInt32(body.count).littleEndian) { batch.append(contentsOf: $0) }
                        batch.append(contentsOf: body)
                    }
                    try db.execute(sql: "INSERT INTO journal_batches (events) VALUES (?)", arguments: [Data(batch)])
                }
            }
        }
        #expect(batched.count > 64, "more than one batch")
        let store = try Self.expectTheUpgradeReplays(directory, journaling: events, as: live)
        #expect(try store.queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM journal_batches") } == 0)
    }

    /// Opens the older state in `directory`, whose journal holds `events`, and expects the upgrade
    /// to format 3 to replay every one into the figures of `live`, and a checkpoint then to fold
    /// the old journal away; returns the store.
    @discardableResult
    static func expectTheUpgradeReplays(_ directory: String, journaling events: [CaseEvent], as live: Engine) throws -> StateStore {
        let store = try StateStore(directory: directory, fsync: .batch)
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == events.count)
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        #expect(try store.queue.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'format_version'") } == "3")
        recovered.publishChanges { _ in }
        try store.checkpoint(recovered)
        try store.waitForCheckpoint()
        #expect(try store.queue.read { try StateStore.journalEventCount($0) } == 0)
        return store
    }

    @Test func stateWrittenByANewerFormatIsRefused() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        do {
            let store = try StateStore(directory: directory, fsync: .batch)
            try store.queue.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v4-from-the-future')")
            }
        }
        do {
            _ = try StateStore(directory: directory, fsync: .batch)
            Issue.record("a newer state was opened")
        } catch {
            #expect(error.description.contains("newer"))
        }
    }

    @Test func anUnwritableDirectoryIsRefusedNamingIt() throws {
        // /proc refuses new directories even to root.
        do {
            _ = try StateStore(directory: "/proc/casepulse-state", fsync: .batch)
            Issue.record("a state directory under /proc was accepted")
        } catch {
            #expect(error.description.contains("/proc/casepulse-state"))
        }
    }
}
