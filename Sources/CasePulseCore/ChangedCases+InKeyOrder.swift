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
        struct Entry {
            var start: Int
            var length: Int32
            var slice: Int32
            var position: Int32
        }
        var keys: [UInt8] = []
        var order: [Entry] = []
        order.reserveCapacity(count)
        for (number, slice) in slices.enumerated() {
            slice.texts.bytes.withUnsafeBytes { texts in
                for position in slice.caseIDs.indices {
                    let id = slice.caseIDs[position].bytes(in: texts)
                    let start = keys.count
                    if TextIndex.isASCII(id) {
                        keys.append(contentsOf: id)
                    } else {
                        keys.append(contentsOf: canonical(String(decoding: id, as: UTF8.self)).utf8)
                    }
                    order.append(Entry(start: start, length: Int32(keys.count - start), slice: Int32(number), position: Int32(position)))
                }
            }
        }
        var agencyBytes: [UInt8] = []
        var agencyRanges: [Range<Int>] = []
        for name in agencyNames {
            let start = agencyBytes.count
            agencyBytes.append(contentsOf: name.utf8)
            agencyRanges.append(start..<agencyBytes.count)
        }
        try keys.withUnsafeBytes { keys in
            func key(_ entry: Entry) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: keys[entry.start..<entry.start + Int(entry.length)])
            }
            // Equal keys (one case copied twice) in the order taken: the last one is the case now.
            order.sort { left, right in
                let order = compareBytes(key(left), key(right))
                return order != 0 ? order < 0 : (left.slice, left.position) < (right.slice, right.position)
            }
            try places.withUnsafeBufferPointer { places in
                try agencyBytes.withUnsafeBytes { agencyBytes in
                    try agencyRanges.withUnsafeBufferPointer { agencyRanges in
                        for (rank, entry) in order.enumerated()
                        where rank + 1 == order.count || compareBytes(key(order[rank + 1]), key(entry)) != 0 {
                            let slice = slices[Int(entry.slice)]
                            let state = slice.states[Int(entry.position)]
                            try slice.texts.bytes.withUnsafeBytes { texts in
                                try body(key(entry), ChangedCaseView(
                                    state: state, texts: texts,
                                    others: state.otherIDs == 0 ? nil : slice.otherIDs[Int(state.otherIDs) - 1],
                                    places: places, agencyBytes: agencyBytes, agencyRanges: agencyRanges))
                            }
                        }
                    }
                }
            }
        }
    }
}
