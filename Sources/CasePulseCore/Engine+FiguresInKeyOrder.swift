extension Engine {
    /// Calls `body` with every existing `/m/` key and its JSON value, in the byte order of the
    /// keys' UTF-8 (SQLite's order of `TEXT` keys, so a table is filled page after page), each
    /// lent for the duration of the call. Call ``publishChanges(_:)`` first, as for
    /// ``forEachEntry(under:_:)``.
    ///
    /// Only 16 bytes a key are held meanwhile: the ranks of its window, region path and agency
    /// among those of every key, and its slot. A key is `/m/` + window + `/` + region path + `@` +
    /// agency, where no window holds a `/` and no region path an `@`: the window with its `/` and
    /// the path with its `@` are never a prefix of another, so the keys' byte order is the order
    /// of those three parts, each by its bytes, and ranks of a few hundred distinct texts stand in
    /// for the names. Each name and value is rendered when its turn comes. Packing the names of
    /// every key in one buffer to sort them held some 75 bytes a key, 30 MB at a million cases,
    /// at the moment a clean stop wrote its final checkpoint; collecting every key and value as
    /// strings first, as ``values(under:)`` does, some 400.
    public func forEachFigureInKeyOrder(
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        settleFigures()
        var windows: [UInt32: UInt32] = [:]
        var keys: [RankedSlot] = []
        keys.reserveCapacity(publishedKeys)
        for slot in aggregates.indices where !aggregates[slot].isEmpty {
            let key = slotKeys[slot]
            windows[key.window] = 0
            keys.append(RankedSlot(window: key.window, region: key.region, agency: key.agency, slot: Int32(slot)))
        }
        var text = JSONBytes(capacity: 64)
        let windowRanks = Self.ranks(of: windows.keys.map { code in
            text.removeAll()
            Window(code: code).write(to: &text)
            text.append(byte: UInt8(ascii: "/"))
            return (code, text.bytes)
        })
        let regionRanks = Self.ranks(of: regionPaths.indices.map { (UInt32($0), Array(regionPaths[$0].utf8) + [UInt8(ascii: "@")]) })
        let agencyRanks = Self.ranks(of: agencyNames.indices.map { (UInt32($0), Array(agencyNames[$0].utf8)) })
        for index in keys.indices {
            keys[index].window = windowRanks[keys[index].window] ?? 0
            keys[index].region = regionRanks[keys[index].region] ?? 0
            keys[index].agency = agencyRanks[keys[index].agency] ?? 0
        }
        keys.sort()
        var value = JSONBytes(capacity: 512)
        for key in keys {
            text.removeAll()
            writeName(ofSlot: Int(key.slot), to: &text)
            value.removeAll()
            aggregates[Int(key.slot)].figures.write(to: &value)
            try text.bytes.withUnsafeBytes { name in
                try value.bytes.withUnsafeBytes { try body(name, $0) }
            }
        }
    }

    /// Each id's rank among `texts` in the byte order of their texts.
    private static func ranks(of texts: [(id: UInt32, bytes: [UInt8])]) -> [UInt32: UInt32] {
        let sorted = texts.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        var ranks: [UInt32: UInt32] = [:]
        ranks.reserveCapacity(sorted.count)
        for (rank, entry) in sorted.enumerated() { ranks[entry.id] = UInt32(rank) }
        return ranks
    }
}

/// A key by the ranks of its parts (first its interned ids, then their ranks), and its slot.
private struct RankedSlot: Comparable {
    var window: UInt32
    var region: UInt32
    var agency: UInt32
    var slot: Int32

    static func < (lhs: RankedSlot, rhs: RankedSlot) -> Bool {
        (lhs.window, lhs.region, lhs.agency) < (rhs.window, rhs.region, rhs.agency)
    }
}
