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
    public static func verify(directory: String, timeZone: String?) throws(StoreError) -> Report {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("casepulse.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("no casepulse state in \(directory) (\(path) does not exist)")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db throws -> Report in
                let meta = try StateStore.meta(db)
                var report = Report()
                let zoneName = timeZone ?? meta["timezone"] ?? "Asia/Shanghai"
                guard let zone = TimeZone(identifier: zoneName) else { throw StoreError("unknown time zone \(zoneName)") }
                report.timeZone = zoneName
                let retention = Int(meta["day_retention"] ?? "") ?? 0
                let engine = Engine(configuration: EngineConfiguration(timeZone: zone, dayRetentionDays: retention))
                engine.restoreRetentionFloor(Int64(meta["retention_floor"] ?? ""))
                // Figures updated directly, not deferred as a start-up's rebuild defers them: the
                // check does not share that path with what it checks.
                report.cases = try CaseRestorer.restoreAll(from: db, into: engine)
                let recomputed = engine.values(under: "/m/")
                report.keysRecomputed = recomputed.count
                report.journalEvents = try StateStore.journalEventCount(db)
                    + StateStore.journalFileEventCount(directory: directory, firstEpoch: UInt64(meta["journal_epoch"] ?? "") ?? 1)
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
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("cannot read \(path): \(StateStore.reason(error))")
        }
    }
}
