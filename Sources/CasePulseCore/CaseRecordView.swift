/// A ``CaseRecord`` whose texts and id hashes are borrowed bytes: what a store reads a record as
/// (its bytes lent by the database) and a ``CaseRecordBatch`` lends, so that restoring a case
/// allocates nothing. Valid only while the bytes it points into are.
public struct CaseRecordView {
    /// The case id's bytes.
    public var caseID: UnsafeRawBufferPointer
    /// Whether a `voided` event was seen: the case counts nowhere.
    public var voided: Bool
    /// The hashes of every event id seen in the case, each as 8 little-endian bytes, unaligned.
    public var seenHashes: UnsafeRawBufferPointer
    /// The filing that counts.
    public var filing: CaseEventView?
    /// The decision that counts.
    public var decision: CaseEventView?
    /// The closing that counts.
    public var closing: CaseEventView?

    /// Creates a view; `seenHashes` holds 8 little-endian bytes per hash.
    public init(
        caseID: UnsafeRawBufferPointer, voided: Bool, seenHashes: UnsafeRawBufferPointer, filing: CaseEventView?,
        decision: CaseEventView?, closing: CaseEventView?
    ) {
        self.caseID = caseID
        self.voided = voided
        self.seenHashes = seenHashes
        self.filing = filing
        self.decision = decision
        self.closing = closing
    }

    /// Calls `body` with each seen hash, in order.
    @inline(__always)
    public func forEachSeenHash(_ body: (UInt64) -> Void) {
        var offset = 0
        while offset + 8 <= seenHashes.count {
            body(UInt64(littleEndian: seenHashes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
    }
}

extension CaseRecord {
    /// A record that owns copies of `view`'s texts and hashes.
    public init(_ view: CaseRecordView) {
        var seen: [UInt64] = []
        seen.reserveCapacity(view.seenHashes.count / 8)
        view.forEachSeenHash { seen.append($0) }
        self.init(
            caseID: String(decoding: view.caseID, as: UTF8.self), voided: view.voided, seen: seen,
            filing: view.filing.map(CaseEvent.init), decision: view.decision.map(CaseEvent.init),
            closing: view.closing.map(CaseEvent.init))
    }

    /// Calls `body` with a view of the record: its texts and hashes lent for the call.
    public func withView<R>(_ body: (CaseRecordView) throws -> R) rethrows -> R {
        var batch = CaseRecordBatch()
        batch.append(self)
        return try batch.withRecord(at: 0, body)
    }
}
