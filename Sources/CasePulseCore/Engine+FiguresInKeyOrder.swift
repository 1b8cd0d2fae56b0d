extension Engine {
    /// Calls `body` with every existing `/m/` key and its JSON value, in the byte order of the
    /// keys' UTF-8 (SQLite's order of `TEXT` keys, so a table is filled page after page), each
    /// lent for the duration of the call. Call ``publishChanges(_:)`` first, as for
    /// ``forEachEntry(under:_:)``.
    ///
    /// Only the key names are held meanwhile, packed in one buffer (about 60 bytes a key); each
    /// value is rendered when its turn comes. Collecting every key and value as strings first, as
    /// ``values(under:)`` does, held some 400 bytes a key: at a million cases that was more than
    /// 150 MB on top of the engine, at the moment a clean stop wrote its final checkpoint.
    public func forEachFigureInKeyOrder(
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        settleFigures()
        var names = JSONBytes(capacity: 64 * max(publishedKeys, 1))
        var keys: [NamedSlot] = []
        keys.reserveCapacity(publishedKeys)
        for slot in aggregates.indices where !aggregates[slot].isEmpty {
            let start = names.bytes.count
            writeName(ofSlot: slot, to: &names)
            keys.append(NamedSlot(start: start, end: names.bytes.count, slot: Int32(slot)))
        }
        var value = JSONBytes(capacity: 512)
        try names.bytes.withUnsafeBytes { all in
            keys.sort { compareBytes(all.slice($0), all.slice($1)) < 0 }
            for key in keys {
                value.removeAll()
                aggregates[Int(key.slot)].figures.write(to: &value)
                try value.bytes.withUnsafeBytes { try body(all.slice(key), $0) }
            }
        }
    }
}

/// Where a slot's key name sits in a buffer of names.
private struct NamedSlot {
    var start: Int
    var end: Int
    var slot: Int32
}

extension UnsafeRawBufferPointer {
    /// The bytes of `name`.
    @inline(__always)
    fileprivate func slice(_ name: NamedSlot) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[name.start..<name.end])
    }
}
