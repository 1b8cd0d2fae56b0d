/// Between a record and its view: a copy that owns its bytes, and a view lent for a call.
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
