import CasePulseCore
import CasePulseWire
import Dispatch
import Foundation
import GRDB
import GRDBSQLite

#if canImport(Glibc)
import Glibc
#endif

/// The durable state of one casepulsed: an SQLite database and the journal files in the state
/// directory (`Protocols/STATE.md`, format 3).
///
/// - the journal (``Journal``, `journal-{epoch}.cpj`): every accepted event since the last
///   checkpoint, in arrival order, as the JSON body it arrived in, one CRC-checked record per
///   committed batch. A batch is written (and, with `--fsync batch|always`, fdatasynced) before its
///   events are acknowledged or published. The journal tables of formats 1 and 2 (`journal`,
///   `journal_batches`) are still replayed when found, no longer written.
/// - `cases`: one record per case (the events that count, void flag, seen id hashes) as of the last
///   checkpoint. The figures are a function of these records.
/// - `aggregates`: every key's JSON value as of the last clean stop — what `verify` checks against.
/// - `producers`, `meta`: loss-detection figures, ingest counters, the CHP sequence reservation,
///   the zone and retention the aggregates were cut with, the first journal epoch not yet folded
///   into the records, and the format version.
///
/// A checkpoint cuts the changed records off the engine and moves the journal to the next epoch on
/// the calling thread — a copy, no I/O — and a ``CheckpointWriter`` writes them in one transaction
/// on its own thread, then deletes the journal files they hold. Disk use therefore follows the
/// number of cases, not the number of events. Recovery loads the records, rebuilds the figures and
/// replays the journal epochs the records do not hold; after a clean stop it copies the engine's
/// tables back from `engine.image` instead (``EngineImageFile``). Owned by one thread, but for its
/// writer.
public final class StateStore {
    /// The state directory.
    public let directory: URL
    /// The database file.
    public let databaseURL: URL
    /// How commits are made durable.
    public let fsync: FsyncMode
    /// Accepted events appended since the last checkpoint (committed or not).
    public private(set) var eventsSinceCheckpoint = 0

    let queue: DatabaseQueue
    let journal: Journal
    /// Writes routine checkpoints on a thread of its own.
    let writer: CheckpointWriter
    /// The journal epochs recovery replays: those the records do not hold.
    private let epochsToReplay: [UInt64]
    private var reservedSequence: UInt64 = 0
    private var lockDescriptor: Int32 = -1
    /// The changed cases copied so far by a checkpoint cut in slices.
    private var cutting: ChangedCases?
    private var slicesCut = 0
    /// When the last routine checkpoint was cut (at first, when the store was opened), for the
    /// next one's write budget.
    private var lastCut = ContinuousClock.now

    /// Sequence numbers reserved ahead, durably, so that numbers never repeat after a crash.
    static let sequenceBlock: UInt64 = 1_000_000

    /// Opens (creating if needed) the state in `directory`, locking it against a second daemon.
    public init(directory: String, fsync: FsyncMode) throws(StoreError) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        self.databaseURL = self.directory.appendingPathComponent("casepulse.sqlite")
        self.fsync = fsync
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot create state directory \(directory): \(Self.reason(error))")
        }
        guard access(directory, W_OK) == 0 else {
            throw StoreError("state directory \(directory) is not writable: \(String(cString: strerror(errno))) (errno \(errno))")
        }
        let lockPath = self.directory.appendingPathComponent("casepulse.lock").path
        lockDescriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0 else {
            throw StoreError("cannot open \(lockPath): \(String(cString: strerror(errno))) (errno \(errno))")
        }
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(lockDescriptor)
            throw StoreError("state directory \(directory) is in use by another casepulsed (lock \(lockPath))")
        }
        do {
            var configuration = Configuration()
            let synchronous = fsync == .off ? "OFF" : "FULL"
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                // Keep the write-ahead log from staying at its high-water mark after a checkpoint.
                try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            }
            queue = try DatabaseQueue(path: databaseURL.path, configuration: configuration)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            let migrator = Self.migrator
            if try queue.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError(
                    "state in \(databaseURL.path) was written by a newer casepulsed (format newer than \(Self.formatVersion)); refusing to open it")
            }
            try migrator.migrate(queue)
            // Files before the recorded epoch were folded in by a checkpoint that committed but
            // did not get to delete them; the journal goes on after the newest file.
            let firstEpoch = try queue.read { db in
                UInt64(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_epoch'") ?? "") ?? 1
            }
            try Journal.remove(directory: directory, before: firstEpoch)
            epochsToReplay = try Journal.epochs(in: directory)
            journal = Journal(directory: directory, epoch: max(firstEpoch, (epochsToReplay.last ?? 0) + 1), fsync: fsync)
            writer = CheckpointWriter(database: queue, databasePath: databaseURL.path, directory: directory, fsync: fsync)
        } catch let error as StoreError {
            flock(lockDescriptor, LOCK_UN)
            close(lockDescriptor)
            throw error
        } catch {
            flock(lockDescriptor, LOCK_UN)
            close(lockDescriptor)
            throw StoreError("cannot open \(databaseURL.path): \(Self.reason(error))")
        }
    }

    /// Closes the state database after the clean stop's final checkpoint: SQLite folds its
    /// write-ahead log into the database file and deletes it (and its shared-memory index), so a
    /// cleanly stopped state holds no log for the next start, `verify` or a backup to replay.
    /// Without it the connection stayed open until the process ended, and the log with it.
    /// Nothing may read or write the store afterwards. Returns what went wrong, for the log: the
    /// state is complete either way, the log being read back by the next start.
    public func closeDatabase() -> String? {
        writer.wait()
        do { try queue.close() } catch {
            return "the state database \(databaseURL.path) was not closed cleanly, its write-ahead log is left for the next start: \(Self.reason(error, on: queue))"
        }
        return nil
    }

    deinit {
        // The directory stays locked until the last journal record and checkpoint are written.
        _ = try? journal.waitUntilDurable()
        writer.wait()
        if lockDescriptor >= 0 {
            flock(lockDescriptor, LOCK_UN)
            close(lockDescriptor)
        }
    }

    /// The on-disk format this build writes.
    public static let formatVersion = 3

    /// The tables of format 1 (migration `v1`); format 2 adds `journal_batches`, format 3 moves the
    /// journal to files.
    static let formatOneSchema = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE journal (position INTEGER PRIMARY KEY, event TEXT NOT NULL);
        CREATE TABLE cases (case_id TEXT PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID;
        CREATE TABLE aggregates (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE producers (
            producer TEXT PRIMARY KEY, events INTEGER NOT NULL, last_seq INTEGER NOT NULL,
            gaps INTEGER NOT NULL, missing INTEGER NOT NULL, holes BLOB NOT NULL) WITHOUT ROWID;
        INSERT INTO meta VALUES ('format_version', '1');
        """

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: formatOneSchema)
        }
        // Format 2: the journal keeps the bodies as received, one row per batch (no JSON rendering
        // and one insert per batch on the ingest path). A format-1 journal is still replayed.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE journal_batches (position INTEGER PRIMARY KEY, events BLOB NOT NULL);
                UPDATE meta SET value = '2' WHERE key = 'format_version';
                """)
        }
        // Format 3: the journal moves to files of checkpoint epochs, so that a checkpoint can be
        // written on another thread while the loop goes on journaling. A format-2 journal is still
        // replayed, and emptied by the next checkpoint.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_epoch', '1');
                UPDATE meta SET value = '3' WHERE key = 'format_version';
                """)
        }
        return migrator
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        return (error as NSError).localizedDescription
    }

    /// ``reason(_:)``, with the errno behind it when `database` failed on the system (SQLite says
    /// only "disk I/O error" for a full disk, a file-size limit or a failing disk): `disk I/O
    /// error (File too large, errno 27)`. Asked of the connection right after the failure, before
    /// it makes another system call that could fail; every error of an open connection goes
    /// through it.
    static func reason(_ error: any Error, on database: DatabaseQueue) -> String {
        let reason = reason(error)
        guard let error = error as? DatabaseError,
              [ResultCode.SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN].contains(error.resultCode.primaryResultCode)
        else { return reason }
        let code = database.inDatabase { db in sqlite3_system_errno(db.sqliteConnection) }
        guard code != 0 else { return reason }
        return "\(reason) (\(String(cString: strerror(code))), errno \(code))"
    }

    // MARK: Recovery

    /// What recovery found and did.
    public struct Recovery: Sendable {
        /// Cases restored from records.
        public var cases = 0
        /// Journal events replayed on top.
        public var journalEvents = 0
        /// The sequence number subscribers' snapshots start above.
        public var sequence: UInt64 = 0
        /// Whether the zone or retention changed since the state was written.
        public var calendarChanged = false
        /// Whether the cases came from the engine image of the last clean stop rather than from
        /// the case records.
        public var fromImage = false
        /// What the operator should know about the journal read (a record a crash cut short), or
        /// an engine image that could not be used.
        public var warnings: [String] = []
    }

    /// What the final checkpoint's engine image came to: its size and time, or why it was not
    /// written (the stop is clean without it; the next start rebuilds from the records).
    public private(set) var imageWritten: Result<ImageSummary, StoreError>?

    /// An engine image written at a clean stop.
    public struct ImageSummary: Sendable {
        /// Bytes of `engine.image`.
        public var bytes: Int
        /// Time taken to write it.
        public var took: Duration
    }

    /// Builds the engine from the stored state: the engine image of the last clean stop when it
    /// matches and reads back whole, else the case records; then the counters and the journal.
    public func recover(configuration: EngineConfiguration) throws(StoreError) -> (Engine, Recovery) {
        var recovery = Recovery()
        // The journal's first two files, ready before events arrive so that neither the first
        // commit nor the first checkpoint creates one, are written while the state is read.
        let preparation = JournalPreparation(directory: directory.path, epochs: [journal.epoch, journal.epoch + 1], fsync: fsync)
        // On every path: no file is still being written once the recovery is over.
        defer { try? preparation.wait() }
        let engine: Engine
        do {
            engine = try queue.read { db throws -> Engine in
                let meta = try Self.meta(db)
                let reserved = UInt64(meta["sequence_reserved"] ?? "") ?? 0
                let zone = meta["timezone"]
                let retention = meta["day_retention"]
                if (zone != nil && zone != configuration.timeZone.identifier)
                    || (retention != nil && retention != String(configuration.dayRetentionDays)) {
                    recovery.calendarChanged = true
                }
                let floor = recovery.calendarChanged ? nil : Int64(meta["retention_floor"] ?? "")
                func emptyEngine() -> Engine {
                    let engine = Engine(configuration: configuration, sequence: reserved)
                    engine.restoreRetentionFloor(floor)
                    return engine
                }
                var engine = emptyEngine()
                if !recovery.calendarChanged, let token = UInt64(meta["image_token"] ?? "") {
                    do {
                        recovery.cases = try EngineImageFile.load(into: engine, token: token, directory: directory.path)
                        recovery.fromImage = true
                    } catch {
                        recovery.warnings.append(
                            "\(EngineImageFile.path(in: directory.path)) not used, \(error); the figures are rebuilt from the case records")
                        // The image may have filled part of the engine: start again from empty.
                        engine = emptyEngine()
                    }
                }
                if !recovery.fromImage {
                    recovery.cases = try CaseRestorer.restoreAll(from: db, into: engine)
                    Self.settle(engine)
                }
                engine.restoreCounters(ingest: Self.ingest(from: meta), producers: try Self.producers(db))
                return engine
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot read \(databaseURL.path): \(Self.reason(error, on: queue))")
        }
        engine.markAllPublished()
        // Nothing reads the figures until the journal is replayed: each event's contribution waits
        // in one entry per (day, region, agency), added to its keys once the last event is in
        // (`settleFigures()` below); those keys are published as changes. A case's events mostly
        // share one entry, so its keys are updated once rather than once per event.
        engine.deferFigures()
        let decoder = EventDecoder()
        // Events are decoded here and applied, in journal order, by the folding thread, which has
        // the engine to itself until `finish()`.
        // Their texts pass in each batch's one buffer, so no event costs an allocation.
        // Whole batches, that the engine look ahead within each (``Engine/applyReportingGaps(_:_:)``).
        let folding = FoldingThread<CaseEventBatch>(engine: engine, name: "casepulse-replay", foldBatch: { engine, batch in
            engine.applyReportingGaps(batch) { _, _, _ in }
        })
        defer { folding.finish() }
        // Journaled events passed the time bound once: replay them without it.
        func replay(_ body: UnsafeRawBufferPointer, from source: String) throws {
            switch decoder.decodeView(body, now: Int64.max) {
            case .success(let event):
                folding.put(event)
                recovery.journalEvents += 1
            case .failure(let refusal):
                throw StoreError("\(source) holds an event that no longer decodes: \(refusal)")
            }
        }
        do {
            try queue.read { db in
                let source = "journal of \(databaseURL.path)"
                let lines = try String.fetchCursor(db, sql: "SELECT event FROM journal ORDER BY position")
                while var line = try lines.next() {
                    try line.withUTF8 { try replay(UnsafeRawBufferPointer($0), from: source) }
                }
                let batches = try Row.fetchCursor(db, sql: "SELECT events FROM journal_batches ORDER BY position")
                while let row = try batches.next() {
                    // Borrowed from SQLite for the duration of this step: no copy of the batch.
                    try row.withUnsafeBytes(atIndex: 0) { batch in
                        guard try Self.forEachBody(in: batch, { try replay($0, from: source) }) else {
                            throw StoreError("journal of \(databaseURL.path) has a truncated batch")
                        }
                    }
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot read the journal of \(databaseURL.path): \(Self.reason(error, on: queue))")
        }
        var journalReserved: UInt64 = 0
        for epoch in epochsToReplay {
            let path = Journal.path(directory: directory.path, epoch: epoch)
            do {
                let summary = try Journal.read(directory: directory.path, epoch: epoch) { kind, payload in
                    switch kind {
                    case .events:
                        guard try Self.forEachBody(in: payload, { try replay($0, from: path) }) else {
                            throw StoreError("\(path) has a record whose events overrun it")
                        }
                    case .sequenceReservation:
                        guard payload.count == 8 else { throw StoreError("\(path) has a malformed sequence reservation") }
                        journalReserved = max(journalReserved, UInt64(littleEndian: payload.loadUnaligned(as: UInt64.self)))
                    }
                }
                if summary.damagedRecords > 0 {
                    recovery.warnings.append(
                        "\(path): \(summary.damagedRecords) records fail their checksum and were skipped; the events in them are lost (the file is damaged)")
                }
                if summary.cutShort {
                    recovery.warnings.append(
                        "\(path): ignored what follows its last whole record, a write cut short by a crash (never acknowledged)")
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError("cannot read \(path): \(Self.reason(error))")
            }
        }
        folding.finish()
        Self.settle(engine)
        engine.raiseSequence(to: journalReserved)
        try preparation.wait()
        eventsSinceCheckpoint = recovery.journalEvents
        reservedSequence = engine.sequence
        // Also forgets the image's token: an image is used at most once, so none is ever read
        // after the state moved on.
        try reserveSequence(above: engine.sequence, retentionFloor: engine.retentionFloor, configuration: configuration)
        do { try EngineImageFile.remove(directory: directory.path) } catch {
            recovery.warnings.append("\(error.description) (the image is not used again: its token is gone)")
        }
        recovery.sequence = engine.sequence
        return (engine, recovery)
    }

    /// Settles the engine's deferred figures on two threads: the slots of every entry's keys are
    /// found on this one, the additions made meanwhile on a thread of their own, at most four
    /// batches behind.
    static func settle(_ engine: Engine) {
        let adder = SettleAdder()
        engine.settleFigures(handingOff: { adder.add($0) }, waitingUntilApplied: { adder.waitUntilApplied() })
    }

    // MARK: Writing

    /// Buffers an accepted event's JSON body, exactly as received, for the next ``commit()``.
    public func append(body: UnsafeRawBufferPointer) {
        journal.append(body: body)
    }

    /// Buffers an accepted event for the next ``commit()``, in its canonical JSON form.
    public func append(_ event: CaseEvent) {
        var line = event.jsonLine
        line.withUTF8 { append(body: UnsafeRawBufferPointer($0)) }
    }

    /// Whether events wait for ``commit()``.
    public var hasPending: Bool { journal.pendingEvents > 0 }

    /// Bytes of the events waiting for ``commit()``.
    public var pendingBytes: Int { journal.pendingBytes }

    /// Writes the buffered events to the journal as one record; durable on return as the fsync
    /// mode promises. Throws, too, the failure of a checkpoint written in the background.
    public func commit() throws(StoreError) {
        try commitInBackground()
        try journal.waitUntilDurable()
    }

    /// Hands the buffered events to the journal's flusher as one record and returns its ticket:
    /// they are durable (as the fsync mode promises) once ``durableTicket`` reaches it. With
    /// `inlineWhenIdle` (the caller has nothing else to do meanwhile) and a flusher with nothing
    /// in hand, the record is written and synced on the calling thread instead, durable on
    /// return; with `--fsync always` it is always waited for. Throws the failure of the flusher or
    /// of a checkpoint written in the background.
    @discardableResult
    public func commitInBackground(inlineWhenIdle: Bool = false) throws(StoreError) -> UInt64 {
        if let failure = writer.takeFailure() { throw failure }
        let events = journal.pendingEvents
        let ticket = try journal.commit(inlineWhenIdle: inlineWhenIdle)
        eventsSinceCheckpoint += events
        if fsync == .always { try journal.waitUntilDurable() }
        return ticket
    }

    /// The ticket of the last journal record that is durable.
    public var durableTicket: UInt64 { journal.durableTicket }

    /// The ticket of the last journal record handed over.
    public var lastTicket: UInt64 { journal.lastTicket }

    /// Waits until every journal record handed over is durable; throws the flusher's failure.
    public func waitUntilDurable() throws(StoreError) {
        try journal.waitUntilDurable()
    }

    /// Why the journal's flusher stopped writing, if it did: the daemon must stop.
    public var journalFailure: StoreError? { journal.failure }

    /// Sets what to call, on the journal's flusher thread, each time records become durable (or
    /// the flusher fails): the server loop's wake-up.
    public func onDurable(_ handler: @escaping @Sendable () -> Void) {
        journal.onDurable(handler)
    }

    /// Makes sure sequence numbers up to `needed` are reserved durably before they are published.
    public func ensureSequence(_ needed: UInt64, configuration: EngineConfiguration) throws(StoreError) {
        guard needed >= reservedSequence else { return }
        let reserved = needed + Self.sequenceBlock
        try journal.reserve(sequence: reserved)
        reservedSequence = reserved
    }

    /// The reservation at start-up, in the database (no checkpoint runs yet), with what the figures
    /// are now cut with: the zone, the day retention and the retention floor the engine was
    /// recovered with, together, so that a crash before the next checkpoint finds a calendar and a
    /// floor that belong to each other. (With only the zone and retention stored, a crash after a
    /// start with a longer retention restored the shorter one's floor, and the day windows between
    /// the two were gone for good: a floor never moves back.)
    private func reserveSequence(
        above sequence: UInt64, retentionFloor: Int64?, configuration: EngineConfiguration
    ) throws(StoreError) {
        let reserved = sequence + Self.sequenceBlock
        do {
            try queue.write { db in
                try Self.setMeta(db, "sequence_reserved", String(reserved))
                // From now on the figures move past what a clean stop stored.
                try Self.setMeta(db, "aggregates_complete", "0")
                try Self.setMeta(db, "timezone", configuration.timeZone.identifier)
                try Self.setMeta(db, "day_retention", String(configuration.dayRetentionDays))
                try Self.setMeta(db, "retention_floor", retentionFloor.map { String($0) } ?? "")
                try Self.setMeta(db, "image_token", "")
            }
        } catch {
            throw StoreError("cannot write \(databaseURL.path): \(Self.reason(error, on: queue))")
        }
        reservedSequence = reserved
    }

    /// Folds everything the engine changed since the last checkpoint into `cases`, `producers` and
    /// the counters, and lets the journal epochs that held it go. Commits first.
    ///
    /// A routine checkpoint only cuts the changed cases off the engine and moves the journal to the
    /// next epoch here; its writer thread writes the transaction meanwhile. Returns `false`, doing
    /// nothing, while the previous one is still being written. The `final` checkpoint of a clean
    /// stop waits for that one, writes on the calling thread (the cases changed since a cut under
    /// way read from the engine in place, not copied), and also rewrites the `aggregates`
    /// table (the figures are a function of the records, so a routine checkpoint need not pay for
    /// hundreds of thousands of keys; until then `meta` says they are incomplete and `verify` does
    /// not compare against them); meanwhile another thread writes the engine image
    /// (``imageWritten`` says how that went).
    @discardableResult
    public func checkpoint(_ engine: Engine, final: Bool = false) throws(StoreError) -> Bool {
        if final {
            writer.wait()
            // The writer and the image's thread both read the figures: settled here, before
            // either starts, so that neither settles them (nor waits for additions) itself.
            engine.settleFigures()
        } else if writer.isBusy {
            return false
        }
        var cases = cutting ?? ChangedCases()
        cutting = nil
        // A final checkpoint's writer reads the rest of the changed cases from the engine, which
        // takes no more events, instead of from copies: the copies of the cases changed since
        // the last routine checkpoint were the clean stop's largest allocation.
        if !final { _ = engine.takeChangedCases(into: &cases, limit: .max) }
        try finish(consume cases, engine: engine, final: final)
        if final { engine.forgetChangedCases() }
        return true
    }

    /// Starts or goes on with a routine checkpoint cut in slices: copies up to `slice` of the
    /// changed cases, so that the caller can handle events between slices; once none is left it
    /// finishes as ``checkpoint(_:final:)`` does, in the same call, and returns `true`. Does nothing
    /// while the previous checkpoint is still being written.
    ///
    /// A case that changes after its copy is copied again by a later slice, so the set is complete
    /// at the moment the journal moves on. A cut that does not catch up with the changes within
    /// ``maximumSlices`` slices takes the rest at once.
    public func checkpointSlice(_ engine: Engine, slice: Int) throws(StoreError) -> Bool {
        if cutting == nil {
            guard !writer.isBusy else { return false }
            slicesCut = 0
        }
        var cases = cutting ?? ChangedCases()
        cutting = nil
        slicesCut += 1
        guard engine.takeChangedCases(into: &cases, limit: slicesCut >= Self.maximumSlices ? .max : slice) else {
            cutting = cases
            return false
        }
        try finish(consume cases, engine: engine, final: false)
        return true
    }

    /// Whether a checkpoint is being cut in slices (``checkpointSlice(_:slice:)``).
    public var isCuttingCheckpoint: Bool { cutting != nil }

    /// Slices after which a cut takes the rest of the changed cases at once.
    static let maximumSlices = 256

    /// Commits the journal, takes the counters, moves the journal to the next epoch and writes the
    /// checkpoint (in the background unless `final`).
    /// Takes `cases` over, so that the final checkpoint can let them go once their records are
    /// written, before it writes the figures.
    private func finish(_ cases: consuming ChangedCases, engine: Engine, final: Bool) throws(StoreError) {
        try commit()
        let countersChanged = engine.takeCountersChanged()
        // A clean stop's engine image is written on a thread of its own while this one writes the
        // figures in key order and commits the records: both only read the engine, which takes no
        // more events.
        let imageToken: UInt64? = final ? UInt64.random(in: 1...UInt64.max) : nil
        let image = imageToken.map { EngineImageFile.startWriting(engine, token: $0, directory: directory.path) }
        defer { if let image { imageWritten = image.wait() } }
        // Case ids are stored in one canonical form (NFC): the engine compares them up to Unicode
        // canonical equivalence, SQLite's primary key compares bytes. The records are sorted as
        // Swift orders strings, by the Unicode scalars of their NFC form, which for NFC strings is
        // the order of their UTF-8 bytes, SQLite's order — and a plain memcmp for native strings.
        var checkpoint = Checkpoint(
            cases: consume cases,
            counters: countersChanged || final ? (engine.ingest, engine.producers) : nil,
            retentionFloor: engine.retentionFloor,
            sequenceReserved: reservedSequence,
            journalEpoch: journal.epoch + 1,
            imageToken: imageToken)
        if !final {
            let now = ContinuousClock.now
            let interval = now - lastCut
            checkpoint.writeBudget = interval >= WritePacer.slowestBulkInterval ? interval / 2 : .zero
            lastCut = now
        }
        // The next file is created before the writer starts: creating it (a directory entry made
        // durable) while the writer fills SQLite's log would wait for that log to reach the disk.
        try journal.rotate(create: !final)
        eventsSinceCheckpoint = 0
        if final {
            try writer.writeNow(&checkpoint, figures: engine)
        } else {
            writer.submit(checkpoint)
        }
    }

    /// Why the checkpoint writer could not take the lowest CPU priority, once: checkpoints then
    /// compete with ingest and publishing for the CPU.
    public func takeCheckpointPriorityFailure() -> String? {
        writer.takePriorityFailure()
    }

    /// Whether a checkpoint is being written in the background.
    public var isCheckpointInFlight: Bool { writer.isBusy }

    /// Waits for the checkpoint being written in the background, if any; throws its failure.
    public func waitForCheckpoint() throws(StoreError) {
        writer.wait()
        if let failure = writer.takeFailure() { throw failure }
    }

    /// How long the last checkpoint written in the background took, once, when it is done (for
    /// the log); throws its failure.
    public func finishedCheckpoint() throws(StoreError) -> Duration? {
        if let failure = writer.takeFailure() { throw failure }
        return writer.takeLastDuration()
    }

    /// Calls `body` with each event body of a `journal_batches` row (a little-endian u32 length,
    /// then the bytes); returns `false` if the row ends inside a body.
    static func forEachBody(
        in batch: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows -> Bool {
        var offset = 0
        while offset < batch.count {
            guard batch.count - offset >= 4 else { return false }
            let length = Int(UInt32(littleEndian: batch.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard length <= batch.count - offset else { return false }
            try body(UnsafeRawBufferPointer(rebasing: batch[offset..<offset + length]))
            offset += length
        }
        return true
    }

    /// A case id in its stored form, NFC (ASCII ids, nearly all of them, are already).
    static func canonical(_ caseID: String) -> String {
        caseID.utf8.allSatisfy { $0 < 0x80 } ? caseID : caseID.precomposedStringWithCanonicalMapping
    }

    // MARK: Tables

    /// Events in the journal tables of formats 1 and 2, not yet folded into the records.
    static func journalEventCount(_ db: Database) throws -> Int {
        var count = try Int.fetchOne(db, sql: "SELECT count(*) FROM journal") ?? 0
        guard try db.tableExists("journal_batches") else { return count }
        let batches = try Row.fetchCursor(db, sql: "SELECT events FROM journal_batches")
        while let row = try batches.next() {
            try row.withUnsafeBytes(atIndex: 0) { batch in
                _ = Self.forEachBody(in: batch) { _ in count += 1 }
            }
        }
        return count
    }

    /// Events in the journal files of `firstEpoch` and after (a file a running daemon deletes
    /// meanwhile counts none).
    static func journalFileEventCount(directory: String, firstEpoch: UInt64) throws -> Int {
        var count = 0
        for epoch in try Journal.epochs(in: directory) where epoch >= firstEpoch {
            guard FileManager.default.fileExists(atPath: Journal.path(directory: directory, epoch: epoch)) else { continue }
            _ = try Journal.read(directory: directory, epoch: epoch) { kind, payload in
                guard kind == .events else { return }
                _ = Self.forEachBody(in: payload) { _ in count += 1 }
            }
        }
        return count
    }

    static func meta(_ db: Database) throws -> [String: String] {
        var meta: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") { meta[row[0]] = row[1] }
        return meta
    }

    static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
    }

    static func ingest(from meta: [String: String]) -> IngestStatistics {
        var ingest = IngestStatistics()
        ingest.accepted = Int64(meta["ingest.accepted"] ?? "") ?? 0
        ingest.duplicates = Int64(meta["ingest.duplicates"] ?? "") ?? 0
        for reason in RefusalReason.allCases {
            if let count = Int64(meta["ingest.rejected.\(reason.rawValue)"] ?? ""), count > 0 {
                ingest.rejectedByReason[reason] = count
            }
        }
        return ingest
    }

    static func producers(_ db: Database) throws -> [String: ProducerSequence] {
        var producers: [String: ProducerSequence] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT producer, events, last_seq, gaps, holes FROM producers") {
            let bytes: Data = row[4]
            let holes = bytes.withUnsafeBytes { bytes in
                var holes: [ClosedRange<UInt64>] = []
                var reader = RecordCodec.Reader(bytes: bytes)
                while !reader.atEnd {
                    guard let low = try? reader.fixed(), let high = try? reader.fixed(), low <= high else { break }
                    holes.append(low...high)
                }
                return holes
            }
            let lastSeq: Int64 = row[2]
            producers[row[0]] = ProducerSequence(
                events: row[1], lastSeq: UInt64(bitPattern: lastSeq), gaps: row[3], holes: holes)
        }
        return producers
    }

    static func store(ingest: IngestStatistics, producers: [String: ProducerSequence], _ db: Database) throws {
        try setMeta(db, "ingest.accepted", String(ingest.accepted))
        try setMeta(db, "ingest.duplicates", String(ingest.duplicates))
        for reason in RefusalReason.allCases {
            try setMeta(db, "ingest.rejected.\(reason.rawValue)", String(ingest.rejectedByReason[reason] ?? 0))
        }
        let put = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO producers (producer, events, last_seq, gaps, missing, holes) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for (name, producer) in producers {
            var holes: [UInt8] = []
            for hole in producer.holes {
                RecordCodec.putFixed(&holes, hole.lowerBound)
                RecordCodec.putFixed(&holes, hole.upperBound)
            }
            try put.execute(arguments: [
                name, producer.events, Int64(bitPattern: producer.lastSeq), producer.gaps,
                Int64(bitPattern: producer.missing), Data(holes),
            ])
        }
    }
}
