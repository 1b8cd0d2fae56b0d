import CasePulseCore
import Foundation
import GRDB

/// `casepulse verify`: recomputes every aggregate from the stored case records and compares it with
/// the aggregates stored by the daemon's last clean stop.
public enum StateVerifier {
    /// What the check found.
    public struct Report: Sendable {
        /// Case records read.
        public var cases = 0
        /// Keys compared (the union of stored and recomputed keys).
        public var keysChecked = 0
        /// Events in the journal, not yet folded into the records (not part of the comparison).
        public var journalEvents = 0
        /// Keys whose stored value differs from the recomputed one (`nil`: absent on that side).
        public var differences: [(key: String, stored: String?, recomputed: String?)] = []
        /// The zone the aggregates were computed in.
        public var timeZone = ""
        /// Whether the stored aggregates are complete (written by a clean stop, nothing since) and
        /// were compared; `false` while a daemon runs on the state or after a crash.
        public var compared = false
        /// Keys recomputed from the records.
        public var keysRecomputed = 0
    }

    /// Verifies the state in `directory` (read-only; safe while the daemon runs). `timeZone`
    /// overrides the zone recorded in the state.
    ///
    /// The records are read in one SQLite snapshot, the journal's files beside it: a checkpoint
    /// that commits between the two deletes the file of the epoch the snapshot names, and its
    /// events would be in neither. Such a read is found (`journal_epoch` moved on while the files
    /// were read) and made again, up to ``attempts`` times.
    public static func verify(directory: String, timeZone: String?) throws(StoreError) -> Report {
        try verify(directory: directory, timeZone: timeZone, afterSnapshot: {})
    }

    /// Reads made before giving up on a state that a running daemon checkpoints during each.
    public static let attempts = 20

    /// ``verify(directory:timeZone:)``, with `afterSnapshot` run once the snapshot is taken and
    /// before the journal's files are read (tests put a checkpoint there).
    static func verify(directory: String, timeZone: String?, afterSnapshot: () throws -> Void) throws(StoreError) -> Report {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("casepulse.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("no casepulse state in \(directory) (\(path) does not exist)")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            // A second connection, outside the snapshot: what a checkpoint has committed since.
            let latest = try DatabaseQueue(path: path, configuration: configuration)
            func epoch(_ meta: [String: String]) -> UInt64 { UInt64(meta["journal_epoch"] ?? "") ?? 1 }
            for _ in 0..<attempts {
                let report = try queue.read { db throws -> Report? in
                    let meta = try StateStore.meta(db)
                    try afterSnapshot()
                    func movedOn() throws -> Bool { try latest.read { try epoch(StateStore.meta($0)) } != epoch(meta) }
                    let journalFiles: Int
                    do {
                        journalFiles = try StateStore.journalFileEventCount(directory: directory, firstEpoch: epoch(meta))
                    } catch {
                        // A file deleted between its listing and its reading.
                        if try movedOn() { return nil }
                        throw error
                    }
                    guard try !movedOn() else { return nil }
                    return try check(db, meta: meta, journalFiles: journalFiles, timeZone: timeZone)
                }
                if let report { return report }
            }
            throw StoreError("cannot verify \(path): the daemon checkpointed while each of \(attempts) reads of its journal files ran; try again")
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot read \(path): \(StateStore.reason(error))")
        }
    }

    /// The report of one consistent read: the records and stored aggregates of `db`'s snapshot,
    /// `journalFiles` events in the journal's files of the snapshot's epoch and after.
    private static func check(_ db: Database, meta: [String: String], journalFiles: Int, timeZone: String?) throws -> Report {
        var report = Report()
        let zoneName = timeZone ?? meta["timezone"] ?? "Asia/Shanghai"
        guard let zone = TimeZone(identifier: zoneName) else { throw StoreError("unknown time zone \(zoneName)") }
        report.timeZone = zoneName
        let retention = Int(meta["day_retention"] ?? "") ?? 0
        let engine = Engine(configuration: EngineConfiguration(timeZone: zone, dayRetentionDays: retention))
        engine.restoreRetentionFloor(Int64(meta["retention_floor"] ?? ""))
        // The records are restored as a start-up's rebuild restores them (figures deferred and
        // settled); reading the figures settles the last of them.
        report.cases = try CaseRestorer.restoreAll(from: db, into: engine)
        let recomputed = engine.values(under: "/m/")
        report.keysRecomputed = recomputed.count
        report.journalEvents = try StateStore.journalEventCount(db) + journalFiles
        guard meta["aggregates_complete"] == "1" else { return report }
        report.compared = true
        var stored: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM aggregates") { stored[row[0]] = row[1] }
        let keys = Set(stored.keys).union(recomputed.keys)
        report.keysChecked = keys.count
        for key in keys.sorted() where stored[key] != recomputed[key] {
            report.differences.append((key, stored[key], recomputed[key]))
        }
        return report
    }
}
