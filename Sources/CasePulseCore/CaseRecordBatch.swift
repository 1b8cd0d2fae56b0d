/// Case records that share one buffer for their texts and id hashes: how a store's reader hands
/// records to the thread that restores them with no allocation per record (see
/// ``CaseEventBatch``, its counterpart for events).
public struct CaseRecordBatch: Sendable {
    /// Every record's case id, seen hashes and events' texts, one record after another.
    private var bytes: [UInt8] = []
    /// Every record's flags, events and where its bytes lie.
    private var records: [Fields] = []

    /// One record with its bytes as ranges of ``bytes``.
    private struct Fields: Sendable {
        var caseIDStart: UInt32
        var seenStart: UInt32
        var seenEnd: UInt32
        var voided: Bool
        var filing: EventFields?
        var decision: EventFields?
        var closing: EventFields?
    }

    /// An empty batch.
    public init() {}

    /// How many records the batch holds.
    public var count: Int { records.count }

    /// Copies `record`, texts and hashes included, to the end of the batch.
    public mutating func append(_ record: CaseRecordView) {
        let caseIDStart = UInt32(bytes.count)
        bytes.append(contentsOf: record.caseID)
        let seenStart = UInt32(bytes.count)
        bytes.append(contentsOf: record.seenHashes)
        var fields = Fields(
            caseIDStart: caseIDStart, seenStart: seenStart, seenEnd: UInt32(bytes.count), voided: record.voided)
        if let filing = record.filing { fields.filing = EventFields(appending: filing, to: &bytes) }
        if let decision = record.decision { fields.decision = EventFields(appending: decision, to: &bytes) }
        if let closing = record.closing { fields.closing = EventFields(appending: closing, to: &bytes) }
        records.append(fields)
    }

    /// Copies `record` to the end of the batch.
    public mutating func append(_ record: CaseRecord) {
        let caseIDStart = UInt32(bytes.count)
        bytes.append(contentsOf: record.caseID.utf8)
        let seenStart = UInt32(bytes.count)
        for hash in record.seen { withUnsafeBytes(of: hash.littleEndian) { bytes.append(contentsOf: $0) } }
        var fields = Fields(
            caseIDStart: caseIDStart, seenStart: seenStart, seenEnd: UInt32(bytes.count), voided: record.voided)
        if let filing = record.filing { fields.filing = filing.withView { EventFields(appending: $0, to: &bytes) } }
        if let decision = record.decision {
            fields.decision = decision.withView { EventFields(appending: $0, to: &bytes) }
        }
        if let closing = record.closing { fields.closing = closing.withView { EventFields(appending: $0, to: &bytes) } }
        records.append(fields)
    }

    /// Calls `body` with the record at `index`, its bytes lent from the batch's buffer for the
    /// duration of the call.
    public func withRecord<R>(at index: Int, _ body: (CaseRecordView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { try body(view(of: records[index], in: $0)) }
    }

    /// Calls `body` with each record in the order appended, its bytes lent from the batch's buffer
    /// for the duration of the call.
    public func forEach(_ body: (CaseRecordView) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            for record in records { try body(view(of: record, in: all)) }
        }
    }

    /// Calls `body` with the number of records and a function that lends the record at an index
    /// (below that number; its bytes lent from the batch's buffer for the duration of `body`): for
    /// a caller that looks ahead of the record it works on.
    public func withRecords<R>(_ body: (_ count: Int, _ record: (Int) -> CaseRecordView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { all in
            try records.withUnsafeBufferPointer { fields in try body(fields.count) { view(of: fields[$0], in: all) } }
        }
    }

    /// Removes every record; with `keepingCapacity` the buffers stay allocated for the next ones.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        records.removeAll(keepingCapacity: keepingCapacity)
    }

    @inline(__always)
    private func view(of record: Fields, in all: UnsafeRawBufferPointer) -> CaseRecordView {
        CaseRecordView(
            caseID: UnsafeRawBufferPointer(rebasing: all[Int(record.caseIDStart)..<Int(record.seenStart)]),
            voided: record.voided,
            seenHashes: UnsafeRawBufferPointer(rebasing: all[Int(record.seenStart)..<Int(record.seenEnd)]),
            filing: record.filing?.view(in: all), decision: record.decision?.view(in: all),
            closing: record.closing?.view(in: all))
    }
}
