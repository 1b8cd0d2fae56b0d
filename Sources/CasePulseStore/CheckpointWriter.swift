import CasePulseCore
import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Writes checkpoints into the state database on its own thread, one at a time, so that the server
/// loop goes on journaling and publishing while the records reach the disk.
///
/// Each checkpoint gets a thread of its own at the lowest CPU priority (nice 19, ``lowestNice``):
/// on two cores its seconds of encoding and SQLite work otherwise took the CPU from the threads
/// an event's figure waits for when it wakes from the journal's `fdatasync` — the server loop,
/// the journal flusher, the publish thread, libzmq's I/O thread. Sustained 10k/s runs over a
/// checkpoint, alternating: p99 0.59–1.22 ms (median 0.84) in five runs against 1.05–1.81 ms
/// (median 1.49) in four at normal priority.
/// Bulk ingest and the daemon's peak memory were unchanged (the writer still gets what the other
/// threads leave). A thread of its own, because a thread's nice value cannot be lowered again
/// without privileges, and a pooled thread would keep it for other work.
///
/// The loop hands over a ``Checkpoint`` it has already cut off from the engine and the journal;
/// after the transaction commits, the writer deletes the journal files it folded in. A failure is
/// kept until the loop asks (``takeFailure()``): the daemon then stops, and a restart recovers
/// from what is durable — the journal files are deleted only after the commit.
final class CheckpointWriter: Sendable {
    private let database: DatabaseQueue
    private let databasePath: String
    private let directory: String
    /// Entered for each checkpoint submitted, left when it is written.
    private let writing = DispatchGroup()
    private let state = Mutex<State>(State())

    private struct State {
        var inFlight = false
        var failure: StoreError?
        var lastDuration: Duration?
        /// The nice value the last background checkpoint was written at.
        var lastNice: Int32?
        /// Why a checkpoint's thread could not take the lowest priority, until taken.
        var priorityFailure: String?
        var priorityFailureReported = false
    }

    private let fsync: FsyncMode

    init(database: DatabaseQueue, databasePath: String, directory: String, fsync: FsyncMode) {
        self.fsync = fsync
        self.database = database
        self.databasePath = databasePath
        self.directory = directory
    }

    /// Whether a checkpoint is being written.
    var isBusy: Bool { state.withLock { $0.inFlight } }

    /// The failure of the last checkpoint written in the background, once.
    func takeFailure() -> StoreError? {
        state.withLock { state in
            defer { state.failure = nil }
            return state.failure
        }
    }

    /// How long the last checkpoint took to write, once.
    func takeLastDuration() -> Duration? {
        state.withLock { state in
            defer { state.lastDuration = nil }
            return state.lastDuration
        }
    }

    /// Starts writing `checkpoint` in the background (one at a time: check ``isBusy`` first).
    func submit(_ checkpoint: Checkpoint) {
        state.withLock { $0.inFlight = true }
        writing.enter()
        let thread = Thread { [self] in
            defer { writing.leave() }
            let (nice, priorityFailure) = Self.takeLowestPriority()
            let started = ContinuousClock.now
            var failure: StoreError?
            do throws(StoreError) {
                var checkpoint = checkpoint
                try Self.write(&checkpoint, database: database, databasePath: databasePath, directory: directory)
                // The journal's next epoch after this one, ready before the loop moves on to it.
                try Journal.prepare(directory: directory, epoch: checkpoint.journalEpoch + 1, fsync: fsync)
            } catch {
                failure = error
            }
            let duration = ContinuousClock.now - started
            state.withLock { state in
                state.inFlight = false
                state.lastDuration = duration
                state.lastNice = nice
                if let priorityFailure, !state.priorityFailureReported {
                    state.priorityFailure = priorityFailure
                    state.priorityFailureReported = true
                }
                if let failure { state.failure = failure }
            }
        }
        thread.name = "casepulse-checkpoint"
        thread.start()
    }

    /// Waits until the checkpoint being written, if any, is done.
    func wait() {
        writing.wait()
    }

    /// The nice value of a background checkpoint's thread: the lowest priority.
    static let lowestNice: Int32 = 19

    /// Gives the calling thread the lowest CPU priority (on Linux a nice value is a thread's own)
    /// and returns the nice value it has then, and why `setpriority` failed if it did. Raising
    /// one's nice value needs no privilege, but a system-call filter can refuse it: the checkpoint
    /// is then written at the priority it has.
    private static func takeLowestPriority() -> (nice: Int32?, failure: String?) {
        #if canImport(Glibc)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        var failure: String?
        if setpriority(which, 0, lowestNice) != 0 {
            let code = errno
            failure = "setpriority(nice \(lowestNice)) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
        errno = 0
        let nice = getpriority(which, 0)
        return (errno == 0 ? nice : nil, failure)
        #else
        return (nil, nil)
        #endif
    }

    /// Why a background checkpoint could not take the lowest CPU priority, once per writer (the
    /// loop logs it).
    func takePriorityFailure() -> String? {
        state.withLock { state in
            defer { state.priorityFailure = nil }
            return state.priorityFailure
        }
    }

    /// The nice value the last background checkpoint was written at (`nil` before the first, or
    /// where it cannot be read).
    var lastNice: Int32? { state.withLock { $0.lastNice } }

    /// Writes `checkpoint` on the calling thread (nothing may be in flight); with `figures`, also
    /// rewrites the `aggregates` table from that engine, which takes no events meanwhile. Its cases
    /// are emptied once their records are written: the caller must hold no other copy of them for
    /// their memory to go before the figures are written.
    func writeNow(_ checkpoint: inout Checkpoint, figures: Engine? = nil) throws(StoreError) {
        try Self.write(&checkpoint, figures: figures, database: database, databasePath: databasePath, directory: directory)
    }

    /// One transaction: the changed records (in the table's key order, so each B-tree page is
    /// visited once), the counters, the retention floor, the sequence reservation and the first
    /// journal epoch not folded in; the format-1 and format-2 journal tables are emptied. With
    /// `figures` (a clean stop's final checkpoint), the records of the cases that engine still
    /// has marked as changed follow the copies', read from it in place (``Engine/forEachChangedCase(canonicalizing:_:)``),
    /// and the `aggregates` table is rewritten from it, key by key in key order. Then the journal
    /// files before that epoch are deleted. `checkpoint`'s cases are emptied as soon as their
    /// records are written, so that their copies are gone before the figures' key names are
    /// collected.
    static func write(
        _ checkpoint: inout Checkpoint, figures: Engine? = nil, database: DatabaseQueue, databasePath: String,
        directory: String
    ) throws(StoreError) {
        do {
            try database.write { db in
                let putCase = try db.cachedStatement(sql: "INSERT OR REPLACE INTO cases (case_id, record) VALUES (?, ?)")
                // Bound and stepped through SQLite's own API: each record is encoded into one
                // reused buffer and bound with its key in place, where GRDB's arguments would cost
                // a string, a `Data` and boxed values per case.
                var record: [UInt8] = []
                record.reserveCapacity(512)
                func put(_ id: UnsafeRawBufferPointer, _ view: ChangedCaseView) throws {
                    record.removeAll(keepingCapacity: true)
                    RecordCodec.encode(view, into: &record)
                    try record.withUnsafeBytes { try Self.insert(putCase, key: id, record: $0, db) }
                }
                // Paced when events flow slowly (``WritePacer``); a final checkpoint has no budget.
                try WritePacer.pacing(databasePath: databasePath, budget: checkpoint.writeBudget) { pacer in
                    try checkpoint.cases.forEachCase(canonicalizing: StateStore.canonical) { id, view in
                        try put(id, view)
                        pacer.recordWritten()
                    }
                }
                checkpoint.cases = ChangedCases()
                // A final checkpoint's engine takes no more events: the cases it changed since
                // the copies above (if a cut was under way) are written from it directly, after
                // them, so that their later state is the one kept.
                try figures?.forEachChangedCase(canonicalizing: StateStore.canonical, put)
                if let figures {
                    try db.execute(sql: "DELETE FROM aggregates")
                    let putKey = try db.cachedStatement(sql: "INSERT INTO aggregates (key, value) VALUES (?, ?)")
                    try figures.forEachFigureInKeyOrder { key, value in
                        try putKey.execute(arguments: [String(decoding: key, as: UTF8.self), String(decoding: value, as: UTF8.self)])
                    }
                }
                if let counters = checkpoint.counters {
                    try StateStore.store(ingest: counters.ingest, producers: counters.producers, db)
                }
                try StateStore.setMeta(db, "aggregates_complete", figures == nil ? "0" : "1")
                try StateStore.setMeta(db, "retention_floor", checkpoint.retentionFloor.map { String($0) } ?? "")
                try StateStore.setMeta(db, "checkpoint_at", String(Int64(Date().timeIntervalSince1970)))
                try StateStore.setMeta(db, "sequence_reserved", String(checkpoint.sequenceReserved))
                try StateStore.setMeta(db, "journal_epoch", String(checkpoint.journalEpoch))
                try StateStore.setMeta(db, "image_token", checkpoint.imageToken.map { String($0) } ?? "")
                try db.execute(sql: "DELETE FROM journal")
                try db.execute(sql: "DELETE FROM journal_batches")
            }
        } catch {
            throw StoreError("cannot checkpoint \(databasePath): \(StateStore.reason(error, on: database))")
        }
        try Journal.remove(directory: directory, before: checkpoint.journalEpoch)
    }
}

extension CheckpointWriter {
    /// Runs `statement`, an insert of two parameters, with `key` as text and `record` as a blob,
    /// both bound without a copy (they outlive the step); throws SQLite's error.
    static func insert(
        _ statement: Statement, key: UnsafeRawBufferPointer, record: UnsafeRawBufferPointer, _ db: Database
    ) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        // No destructor (SQLITE_STATIC): SQLite reads the bytes in place, and is done with them
        // once the step is.
        var code = sqlite3_bind_text(handle, 1, key.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(key.count), nil)
        if code == SQLITE_OK {
            // A record is never empty, so its blob is never bound as NULL.
            code = sqlite3_bind_blob(handle, 2, record.baseAddress, Int32(record.count), nil)
        }
        if code == SQLITE_OK { code = sqlite3_step(handle) }
        let failure = code == SQLITE_DONE ? nil : String(cString: sqlite3_errmsg(db.sqliteConnection))
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        if let failure { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: failure) }
    }
}

/// What one checkpoint writes: cut off from the engine and the journal by the loop, in one step.
struct Checkpoint: Sendable {
    /// The cases changed since the previous checkpoint.
    var cases: ChangedCases
    /// The ingest counters and producers, when they changed.
    var counters: (ingest: IngestStatistics, producers: [String: ProducerSequence])?
    /// The engine's retention floor.
    var retentionFloor: Int64?
    /// The sequence numbers reserved when the checkpoint was cut.
    var sequenceReserved: UInt64
    /// The first journal epoch whose events the records do not hold.
    var journalEpoch: UInt64
    /// The token of the engine image written alongside this checkpoint: only for the final one.
    var imageToken: UInt64?
    /// How long its records may take to write, pauses included (``WritePacer``): half the time
    /// since the previous checkpoint was cut (or the store opened); zero for a final one.
    var writeBudget: Duration = .zero
}
