/// One key of the CHP hashmap as the engine hands it out.
public struct HashmapEntry: Sendable, Hashable {
    /// The CHP sequence number of the key's last change.
    public var sequence: UInt64
    /// The key, e.g. `/m/all/370000/370800/@all` or `/sys/ingest`.
    public var key: String
    /// The JSON value; `nil` when the key was deleted.
    public var value: String?
}

/// The value of one changed key as ``Engine/publishChanges(values:)`` hands it out.
public enum PublishedValue {
    /// An `/m/` key's figures, to be rendered with ``KeyFigures/write(to:)``.
    case figures(KeyFigures)
    /// A `/sys/` key's JSON value, lent for the duration of the call.
    case json(UnsafeRawBufferPointer)
    /// The key was deleted.
    case deleted
}

extension Engine {
    /// Hands every key changed since the last call to `body`, in one batch, each with a fresh,
    /// strictly increasing sequence number. A key whose figures all returned to zero is handed out
    /// once as a deletion (`value == nil`), and only if subscribers had seen it.
    public func publishChanges(_ body: (HashmapEntry) -> Void) {
        publishChanges(bytes: { key, sequence, value in
            body(HashmapEntry(
                sequence: sequence, key: String(decoding: key, as: UTF8.self),
                value: value.map { String(decoding: $0, as: UTF8.self) }))
        })
    }

    /// ``publishChanges(_:)`` without building strings: `body` gets each key's and value's UTF-8
    /// bytes, lent for the duration of the call (`value` is `nil` for a deletion).
    public func publishChanges(
        bytes body: (_ key: UnsafeRawBufferPointer, _ sequence: UInt64, _ value: UnsafeRawBufferPointer?) -> Void
    ) {
        var rendered = JSONBytes(capacity: 512)
        publishChanges(values: { key, sequence, value in
            switch value {
            case .deleted:
                body(key, sequence, nil)
            case .json(let json):
                body(key, sequence, json)
            case .figures(let figures):
                rendered.removeAll()
                figures.write(to: &rendered)
                rendered.withBytes { body(key, sequence, $0) }
            }
        })
    }

    /// ``publishChanges(_:)`` as the publish path takes it: each key's UTF-8 bytes (lent for the
    /// duration of the call) and its value as figures to render, JSON bytes (`/sys/` keys), or a
    /// deletion — so that rendering can happen on another thread.
    ///
    /// With `namingFigures` false, no subscriber can want an `/m/` key: those keys are numbered
    /// and recorded as published all the same (snapshots carry the numbers), but neither named
    /// nor handed to `body`; `/sys/` keys are.
    public func publishChanges(
        namingFigures: Bool = true,
        values body: (_ key: UnsafeRawBufferPointer, _ sequence: UInt64, _ value: PublishedValue) -> Void
    ) {
        settleFigures()
        for slot in dirtySlots {
            let i = Int(slot)
            slotDirty[i] = false
            if namingFigures {
                keyScratch.removeAll()
                writeName(ofSlot: i, to: &keyScratch)
            }
            if aggregates[i].isEmpty {
                guard slotSequence[i] != 0 else { continue }
                sequence += 1
                slotSequence[i] = 0
                publishedKeys -= 1
                if namingFigures { keyScratch.withBytes { body($0, sequence, .deleted) } }
            } else {
                if slotSequence[i] == 0 { publishedKeys += 1 }
                sequence += 1
                slotSequence[i] = sequence
                guard namingFigures else { continue }
                let figures = aggregates[i].figures
                keyScratch.withBytes { body($0, sequence, .figures(figures)) }
            }
        }
        dirtySlots.removeAll(keepingCapacity: true)
        freeSlots.append(contentsOf: retiredSlots)
        retiredSlots.removeAll()
        if ingestDirty {
            ingestDirty = false
            sequence += 1
            ingestSequence = sequence
            Self.lend("/sys/ingest", ingest.json) { body($0, sequence, .json($1)) }
        }
        for producer in dirtyProducers.sorted() {
            guard let record = record(ofProducer: producer) else { continue }
            sequence += 1
            producerSequence[producer] = sequence
            Self.lend("/sys/producers/" + producer, record.json) { body($0, sequence, .json($1)) }
        }
        dirtyProducers.removeAll()
    }

    private static func lend(
        _ key: String, _ value: String, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void
    ) {
        var key = key
        var value = value
        key.withUTF8 { key in value.withUTF8 { body(UnsafeRawBufferPointer(key), UnsafeRawBufferPointer($0)) } }
    }

    /// Every existing key whose text starts with `prefix` (`""` is everything), with the sequence
    /// number of its last change. Call ``publishChanges(_:)`` first so sequence numbers and values
    /// agree with what subscribers were sent.
    public func forEachEntry(under prefix: String, _ body: (HashmapEntry) -> Void) {
        settleFigures()
        let wantsMetrics = prefix.hasPrefix("/m/") || "/m/".hasPrefix(prefix)
        let wantsSystem = prefix.hasPrefix("/sys/") || "/sys/".hasPrefix(prefix)
        if wantsMetrics {
            for i in aggregates.indices where !aggregates[i].isEmpty {
                let key = name(ofSlot: i)
                guard key.hasPrefix(prefix) else { continue }
                let sequence = slotSequence[i] == 0 ? self.sequence : slotSequence[i]
                body(HashmapEntry(sequence: sequence, key: key, value: aggregates[i].json))
            }
        }
        if wantsSystem {
            if "/sys/ingest".hasPrefix(prefix) {
                body(HashmapEntry(sequence: ingestSequence, key: "/sys/ingest", value: ingest.json))
            }
            for (producer, record) in producers.sorted(by: { $0.key < $1.key }) {
                let key = "/sys/producers/" + producer
                guard key.hasPrefix(prefix) else { continue }
                body(HashmapEntry(sequence: producerSequence[producer] ?? sequence, key: key, value: record.json))
            }
        }
    }

    /// The existing keys under `prefix` and their JSON values.
    public func values(under prefix: String = "") -> [String: String] {
        var result: [String: String] = [:]
        forEachEntry(under: prefix) { result[$0.key] = $0.value }
        return result
    }

    /// The figures of one `/m/` key, if it exists.
    public func aggregate(forKey key: String) -> Aggregate? {
        settleFigures()
        for i in aggregates.indices where !aggregates[i].isEmpty && name(ofSlot: i) == key {
            return aggregates[i]
        }
        return nil
    }

    /// Moves the retention window to `now` (Unix seconds): day windows that fell out of
    /// `dayRetentionDays` are deleted (published as deletions) and no longer counted.
    /// Time only moves forward; an earlier `now` changes nothing.
    public func advanceClock(toUnixSeconds now: Int64) {
        let retention = Int64(configuration.dayRetentionDays)
        guard retention > 0 else { return }
        settleFigures()
        let oldest = calendar.date(atUnixSeconds: now).daysSinceEpoch - retention + 1
        if let current = oldestKeptDay, oldest <= current { return }
        oldestKeptDay = oldest
        forgetSlotLists(keepingCapacity: true)
        var expired: [(key: AggregateKey, slot: Int32)] = []
        slotIDs.forEach { slot in
            let key = slotKeys[Int(slot)]
            if Window(code: key.window).isDay && !keepsDay(key.window) { expired.append((key, slot)) }
        }
        for (key, slot) in expired {
            slotIDs.remove(hash: key.tableHash) { $0 == slot }
            aggregates[Int(slot)] = Aggregate()
            touch(slot)
            retiredSlots.append(slot)
        }
    }
}
