/// Case ids gathered into one byte buffer, each with where its case is, then handed back in the
/// byte order of the keys they are stored under: what a checkpoint needs to write its records in
/// the table's key order without a string or an allocation per case. An ASCII id is its own key;
/// any other is the canonical form the caller gives (the checkpoint's NFC).
struct CaseKeyOrder<Location> {
    private struct Entry {
        var start: Int
        var length: Int32
        var location: Location
    }

    private var keys: [UInt8] = []
    private var entries: [Entry] = []

    /// An empty order, room made for `capacity` ids.
    init(capacity: Int) {
        entries.reserveCapacity(capacity)
    }

    /// Adds the case of id `id`, found at `location`, under its key: the id itself when ASCII,
    /// else `canonical` of it.
    mutating func append(id: UnsafeRawBufferPointer, at location: Location, canonicalizing canonical: (String) -> String) {
        let start = keys.count
        if TextIndex.isASCII(id) {
            keys.append(contentsOf: id)
        } else {
            keys.append(contentsOf: canonical(String(decoding: id, as: UTF8.self)).utf8)
        }
        entries.append(Entry(start: start, length: Int32(keys.count - start), location: location))
    }

    /// Calls `body` with each key in byte order and the location added with it; of equal keys
    /// (one case added twice), only the one added last.
    func forEachInOrder(_ body: (_ key: UnsafeRawBufferPointer, _ location: Location) throws -> Void) rethrows {
        // Stable: of equal keys, the one added last ends up last.
        var order = Array(entries.indices)
        try keys.withUnsafeBytes { keys in
            func key(_ index: Int) -> UnsafeRawBufferPointer {
                let entry = entries[index]
                return UnsafeRawBufferPointer(rebasing: keys[entry.start..<entry.start + Int(entry.length)])
            }
            order.sort { left, right in
                let order = compareBytes(key(left), key(right))
                return order != 0 ? order < 0 : left < right
            }
            for (rank, index) in order.enumerated()
            where rank + 1 == order.count || compareBytes(key(order[rank + 1]), key(index)) != 0 {
                try body(key(index), entries[index].location)
            }
        }
    }
}
