/// Contributions to the figures that an engine holds back while it is rebuilt, one entry per
/// (day, place, agency), until ``Engine/settleFigures()`` adds each entry to every key it counts
/// under.
///
/// An event counts under some forty keys — windows × region levels × agencies — and, applied
/// directly, it updates forty aggregates spread over the engine's tables, most of them missing the
/// cache. A rebuild (the daemon's journal replay) publishes nothing until it ends, so it only
/// needs the figures at the end: held here, an event updates one entry, whichever keys it
/// counts under, and each entry is added to its day's keys once, the sum of a month's entries of
/// one place and agency to their other keys once. A case's filing, decision and closing mostly
/// share one entry.
///
/// Beneficiaries are kept as signed changes per entry (a decision taken back before the rebuild
/// ends may remove a party the entry never added: one counted before the rebuild began).
final class DeferredFigures {
    /// The entry of each (day, place, agency).
    let entries = ShardedDictionary<PlacementKey, Int32>()
    /// A placement of each entry (which keys it counts under).
    let placements = SegmentedArray<Placement>()
    /// The counts and amounts held back, per entry; their `parties` stay empty.
    let figures = SegmentedArray<Aggregate>()
    /// The beneficiary changes held back, per entry: `party << 32 | delta` (a signed 32-bit
    /// count), one word per party, most entries none.
    let parties = SegmentedArray<ContiguousArray<UInt64>>()
    /// The key and entry of the last look-up: a case's events mostly share their place and day.
    /// Not checked for exclusive access at run time, as in ``Engine``: one owner, one thread.
    @exclusivity(unchecked) private var lastKey: PlacementKey?
    @exclusivity(unchecked) private var lastEntry = 0

    init() {}

    /// The entry of `placement`'s (day, place, agency), made on first sight.
    @inline(__always)
    func entry(for placement: Placement) -> Int {
        let key = placement.dayKey
        if key == lastKey { return lastEntry }
        let entry: Int
        if let known = entries[key] {
            entry = Int(known)
        } else {
            entry = placements.count
            entries[key] = Int32(entry)
            placements.append(placement)
            figures.append(Aggregate())
            parties.append([])
        }
        lastKey = key
        lastEntry = entry
        return entry
    }

    /// Counts `party` `delta` times more (or, negative, fewer) under `entry`.
    func add(party: UInt32, _ delta: Int32, at entry: Int) {
        let tag = UInt64(party) << 32
        for (index, word) in parties[entry].enumerated() where word & 0xFFFF_FFFF_0000_0000 == tag {
            let sum = Int32(truncatingIfNeeded: word) + delta
            parties[entry][index] = tag | UInt64(UInt32(bitPattern: sum))
            return
        }
        parties[entry].append(tag | UInt64(UInt32(bitPattern: delta)))
    }

    /// The party and signed count of a word of ``parties``.
    static func party(of word: UInt64) -> (party: UInt32, delta: Int32) {
        (UInt32(truncatingIfNeeded: word >> 32), Int32(truncatingIfNeeded: word))
    }

    /// Forgets every entry and frees the tables, or with `keepingCapacity` keeps them to be filled
    /// again (live ingest's deferrals, each about the same size, one after another).
    func removeAll(keepingCapacity: Bool = false) {
        entries.removeAll(keepingCapacity: keepingCapacity)
        placements.removeAll(keepingCapacity: keepingCapacity)
        figures.removeAll(keepingCapacity: keepingCapacity)
        parties.removeAll(keepingCapacity: keepingCapacity)
        lastKey = nil
        lastEntry = 0
    }

    /// The entries, ordered by month, region, agency and day (`places` names each entry's region
    /// and agency): the entries of one (month, place) next to each other, so that their sum goes to
    /// the keys they share (all time, the year, the month) once, and entries next to each other
    /// share most of their keys — a region's places next to each other, sharing its parents' keys.
    func entriesInMonthOrder(places: [Place]) -> [Int] {
        var rank = [UInt32](repeating: 0, count: places.count)
        let byRegion = places.indices.sorted { a, b in
            places[a].region != places[b].region ? places[a].region < places[b].region : places[a].agency < places[b].agency
        }
        for (position, place) in byRegion.enumerated() { rank[place] = UInt32(position) }
        // Sorted by one 64-bit word per entry — month (below 2^24 for any four-digit year), rank,
        // day of the month — beside its index: no comparison reaches back into the placements.
        var keyed = placements.indices.map { entry -> (key: UInt64, entry: Int) in
            let placement = placements[entry]
            let key = UInt64(placement.day / 100) << 40 | UInt64(rank[Int(placement.place)]) << 8 | UInt64(placement.day % 100)
            return (key, entry)
        }
        keyed.sort { $0.key < $1.key }
        return keyed.map(\.entry)
    }
}
