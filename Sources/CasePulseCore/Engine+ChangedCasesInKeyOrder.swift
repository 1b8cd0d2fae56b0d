extension Engine {
    /// Calls `body` with each case changed since the changed cases were last taken, in the byte
    /// order of its canonical id (as ``ChangedCases/forEachCase(canonicalizing:_:)`` hands copies),
    /// and with that id's bytes — without copying them all out first: only the ids are gathered
    /// and sorted, and each case is copied into one reused slice while it is handed.
    ///
    /// What a clean stop's final checkpoint writes, when the engine takes no more events: at
    /// 1,000,000 cases the copies of the last 50,000 changed cases took some 10 MB at the
    /// daemon's peak. It only reads the engine, so it can run beside the engine image's writer;
    /// the cases stay marked as changed until ``forgetChangedCases()``.
    public func forEachChangedCase(
        canonicalizing canonical: (String) -> String,
        _ body: (_ key: UnsafeRawBufferPointer, _ view: ChangedCaseView) throws -> Void
    ) throws {
        var order = CaseKeyOrder<Int32>(capacity: changedCases.count)
        for number in changedCases {
            texts.withBytes(caseIDs[Int(number)]) { order.append(id: $0, at: number, canonicalizing: canonical) }
        }
        // Each case is listed once, under one canonical id (the case index allows no two).
        var one = ChangedCases.Slice()
        try ChangedCases.withNames(places: places, agencyNames: agencyNames) { names in
            try order.forEachInOrder { key, number in
                one.removeAll()
                one.append(caseID: caseIDs[Int(number)], state: caseStates[Int(number)], from: self)
                try one.withView(at: 0, names: names) { try body(key, $0) }
            }
        }
    }

    /// Forgets that any case changed, as taking them would: after ``forEachChangedCase(canonicalizing:_:)``
    /// wrote them.
    public func forgetChangedCases() {
        for number in changedCases { caseChanged[Int(number)] = false }
        changedCases.removeAll()
    }
}
