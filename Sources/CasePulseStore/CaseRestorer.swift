import CasePulseCore
import Foundation
import GRDB

/// Restores every stored case record into an engine: SQLite's reading and the records' decoding
/// on the calling thread, the folding on a ``FoldingThread``.
enum CaseRestorer {
    /// The most (day, place, agency) entries the figures of restored records are held back in
    /// before they are added to their keys: about 20 MB of deferred tables, whatever the number
    /// of cases. Each settling adds on a thread of its own (``StateStore/settle(_:)``) while the
    /// folding thread finds the slots: the reading thread leaves a core half idle.
    static let deferralEntries = 131_072

    /// Restores every row of `cases` into `engine`; returns how many. A record that does not
    /// decode throws (naming its case), after the folding thread has stopped. The engine's
    /// figures are deferred on return (``Engine/deferFigures()``): the caller settles them.
    /// `deferralEntries`: see ``deferralEntries`` (tests make it small).
    static func restoreAll(from db: Database, into engine: Engine, deferralEntries: Int = Self.deferralEntries) throws -> Int {
        // Each record's contributions go to its (day, place, agency) entry, and the entries to their
        // keys, a bounded number at a time: the keys they share (the month's, the year's, all
        // time's) are updated once per settling rather than once per case.
        engine.deferFigures()
        // Whole batches, that the engine look ahead within each (``Engine/restore(_:each:)``).
        let folding = FoldingThread<CaseRecordBatch>(engine: engine, name: "casepulse-restore", foldBatch: { engine, batch in
            engine.restore(batch) {
                guard engine.deferredEntryCount >= deferralEntries else { return }
                StateStore.settle(engine)
                engine.deferFigures()
            }
        })
        // Returning or throwing, the folding thread finishes what was queued and lets go first.
        defer { folding.finish() }
        var count = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT case_id, record FROM cases")
        while let row = try rows.next() {
            // Both borrowed from SQLite for this step: the record is decoded without a copy, and
            // its texts are copied once, into the batch the folding thread takes.
            try row.withUnsafeBytes(atIndex: 0) { caseID in
                try row.withUnsafeBytes(atIndex: 1) { record in
                    try RecordCodec.withRecord(caseID: caseID, record) { folding.put($0) }
                }
            }
            count += 1
        }
        return count
    }
}
