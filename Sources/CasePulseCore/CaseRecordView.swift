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
