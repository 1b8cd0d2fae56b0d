extension ChangedCases {
    /// Calls `body` with each case, in the byte order of its canonical id, and with that id's
    /// bytes; a case copied more than once, with its last copy. An ASCII id is its own canonical
    /// form; any other is `canonical` of it (the checkpoint's NFC). What the checkpoint writer
    /// stores: the ids are copied into one buffer and only their positions sorted, and no case
    /// costs an allocation — ``forEachRecord(orderedBy:_:)`` builds a record of strings per case.
    public func forEachCase(
        canonicalizing canonical: (String) -> String,
        _ body: (_ key: UnsafeRawBufferPointer, _ view: ChangedCaseView) throws -> Void
    ) throws {
        var order = CaseKeyOrder<(slice: Int32, position: Int32)>(capacity: count)
        for (number, slice) in slices.enumerated() {
            slice.texts.bytes.withUnsafeBytes { texts in
                for position in slice.caseIDs.indices {
                    order.append(
                        id: slice.caseIDs[position].bytes(in: texts), at: (Int32(number), Int32(position)),
                        canonicalizing: canonical)
                }
            }
        }
        // Equal keys (one case copied twice) in the order taken: the last one is the case now.
        try Self.withNames(places: places, agencyNames: agencyNames) { names in
            try order.forEachInOrder { key, location in
                try slices[Int(location.slice)].withView(at: Int(location.position), names: names) { try body(key, $0) }
            }
        }
    }

    /// The interned places and agency names as a ``ChangedCaseView`` reads them, lent to `body`.
    struct Names {
        let places: UnsafeBufferPointer<Place>
        let agencyBytes: UnsafeRawBufferPointer
        let agencyRanges: UnsafeBufferPointer<Range<Int>>
    }

    /// Calls `body` with `places` and `agencyNames` laid out for views.
    static func withNames<R>(places: [Place], agencyNames: [String], _ body: (Names) throws -> R) rethrows -> R {
        var agencyBytes: [UInt8] = []
        var agencyRanges: [Range<Int>] = []
        for name in agencyNames {
            let start = agencyBytes.count
            agencyBytes.append(contentsOf: name.utf8)
            agencyRanges.append(start..<agencyBytes.count)
        }
        return try places.withUnsafeBufferPointer { places in
            try agencyBytes.withUnsafeBytes { agencyBytes in
                try agencyRanges.withUnsafeBufferPointer { agencyRanges in
                    try body(Names(places: places, agencyBytes: agencyBytes, agencyRanges: agencyRanges))
                }
            }
        }
    }
}

extension ChangedCases.Slice {
    /// Calls `body` with a view of the copy at `position`.
    func withView<R>(at position: Int, names: ChangedCases.Names, _ body: (ChangedCaseView) throws -> R) rethrows -> R {
        let state = states[position]
        return try texts.bytes.withUnsafeBytes { texts in
            try body(ChangedCaseView(
                state: state, texts: texts, others: state.otherIDs == 0 ? nil : otherIDs[Int(state.otherIDs) - 1],
                places: names.places, agencyBytes: names.agencyBytes, agencyRanges: names.agencyRanges))
        }
    }

    /// Empties the slice, keeping its storage.
    mutating func removeAll() {
        caseIDs.removeAll(keepingCapacity: true)
        states.removeAll(keepingCapacity: true)
        texts.removeAll()
        otherIDs.removeAll(keepingCapacity: true)
    }
}
