import CasePulseCore
import Foundation
import GRDB

/// Restores every stored case record into an engine: SQLite's reading and the records' decoding
/// on the calling thread, the folding on a ``FoldingThread``.
enum CaseRestorer {
    /// Restores every row of `cases` into `engine`; returns how many. A record that does not
    /// decode throws (naming its case), after the folding thread has stopped.
    static func restoreAll(from db: Database, into engine: Engine) throws -> Int {
        let folding = FoldingThread<[CaseRecord]>(engine: engine, name: "casepulse-restore") { engine, record in
            engine.restore(record)
        }
        // Returning or throwing, the folding thread finishes what was queued and lets go first.
        defer { folding.finish() }
        var count = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT case_id, record FROM cases")
        while let row = try rows.next() {
            let caseID: String = row[0]
            // Borrowed from SQLite for this step: the record is decoded without a copy.
            let record = try row.withUnsafeData(atIndex: 1) { (data: Data?) throws -> CaseRecord in
                try RecordCodec.decode(caseID: caseID, data ?? Data())
            }
            folding.put(record)
            count += 1
        }
        return count
    }
}
