extension Engine {
    /// The slots of the all, year and month windows of a placement's keys — its region path
    /// with the root × {all, own agency} — cached per (month, region, agency) as a run of
    /// ``slotLists``: a busy place finds them in one look-up, not thirty.
    func coarseSlots(for placement: Placement) -> SlotRun {
        let day = placement.day
        let coarseKey = PlacementKey(day: day / 100 * 100, place: placement.place)
        if let run = coarseSlots[coarseKey] { return run }
        let place = places[Int(placement.place)]
        let regions = regionChain(place.regionCode)
        let start = slotLists.count
        for window in [0, day / 10_000 * 10_000, day / 100 * 100] {
            for region in regions {
                slotLists.append(slot(AggregateKey(window: window, region: region, agency: 0)))
                // An agency literally named `all` is the `@all` key itself: count it once.
                if place.agency != 0 {
                    slotLists.append(slot(AggregateKey(window: window, region: region, agency: place.agency)))
                }
            }
        }
        let run = SlotRun(start: start, end: slotLists.count)
        coarseSlots[coarseKey] = run
        return run
    }

    /// Calls `body` with the slot of every key a placement counts under: windows × region path
    /// (with the root) × {all, own agency} — the coarse part (``coarseSlots(for:)``), then the
    /// day window's, from ``daySlots`` when the (day, place) was placed recently, found key by
    /// key (and remembered) when not. A busy place costs two probes, a new (day, place) its ten
    /// day keys.
    ///
    /// The day keys are many (one per day, place and agency), so their figures are seldom in the
    /// cache, where the coarse keys' are; the coarse keys' beneficiary tables, when `party` is
    /// counted, are few but large. Both are asked for (``SegmentedArray/prefetch(_:)``) before the
    /// coarse keys are worked on, so that their loads overlap that work and one another rather
    /// than stall each key in turn.
    @inline(__always)
    func forEachSlot(of placement: Placement, party: UInt32 = CaseState.noParty, _ body: (Int32) -> Void) {
        let coarse = coarseSlots(for: placement)
        let dayKey = placement.dayKey
        guard let run = daySlots.run(of: dayKey) ?? daySlots.remember(dayKey, { forEachDaySlot(of: placement, $0) })
        else {
            for index in coarse.indices { body(slotLists[index]) }
            forEachDaySlot(of: placement, body)
            return
        }
        for position in run {
            let slot = Int(daySlots[position])
            aggregates.prefetch(slot)
            slotDirty.prefetch(slot)
        }
        if party != CaseState.noParty {
            for index in coarse.indices { aggregates[Int(slotLists[index])].parties.prefetch(party) }
        }
        for index in coarse.indices { body(slotLists[index]) }
        for position in run { body(daySlots[position]) }
    }

    /// ``forEachDaySlot(day:place:chain:_:)`` for a placement.
    @inline(__always)
    private func forEachDaySlot(of placement: Placement, _ body: (Int32) -> Void) {
        let place = places[Int(placement.place)]
        forEachDaySlot(day: placement.day, place: place, chain: regionChain(place.regionCode), body)
    }

    /// Calls `body` with the slot of each day-window key of a placement on `day` at `place`
    /// (whose region path is `chain`), found or made one by one: what ``daySlots`` remembers for
    /// the live path, and what a rebuild's settling, which visits each (day, place) once, uses
    /// as it is.
    @inline(__always)
    func forEachDaySlot(day: UInt32, place: Place, chain: [UInt32], _ body: (Int32) -> Void) {
        guard keepsDay(day) else { return }
        // Each key's look-up misses the cache two or three times (its recent entry and its word
        // in the key map, then its key and figures by the slot found): started for every key
        // first, the loads overlap, where looking the keys up one by one waits for each in turn.
        // The day keys, in the order their slots are handed to `body`: each region of the path
        // for all agencies, then (unless it is `all`) for the place's own.
        func forEachKey(_ visit: (AggregateKey) -> Void) {
            for region in chain {
                visit(AggregateKey(window: day, region: region, agency: 0))
                if place.agency != 0 { visit(AggregateKey(window: day, region: region, agency: place.agency)) }
            }
        }
        forEachKey { prefetchLookUp(of: $0) }
        forEachKey { prefetchSlot(of: $0) }
        forEachKey { body(slot($0)) }
    }

    /// Forgets the cached slot lists (their slots are about to change: retention, or a restore).
    func forgetSlotLists(keepingCapacity: Bool) {
        recentSlots.removeAll()
        coarseSlots.removeAll(keepingCapacity: keepingCapacity)
        daySlots.removeAll()
        slotLists.removeAll()
    }

    /// Whether day windows of `day` (a `Window.day` code) are kept under the retention.
    func keepsDay(_ day: UInt32) -> Bool {
        guard let oldestKeptDay else { return true }
        let date = CivilDate(year: Int32(day / 10_000), month: UInt8(day / 100 % 100), day: UInt8(day % 100))
        return date.daysSinceEpoch >= oldestKeptDay
    }

    /// Node ids of the root and every level of `region`'s path.
    func regionChain(_ region: RegionCode) -> [UInt32] {
        if let chain = regionChains[region] { return chain }
        var chain: [UInt32] = [0]
        var path = ""
        for level in region.path {
            path += level.description + "/"
            if let id = regionNodeIDs[level] {
                chain.append(id)
            } else {
                let id = UInt32(regionPaths.count)
                regionNodeIDs[level] = id
                regionPaths.append(path)
                chain.append(id)
            }
        }
        regionChains[region] = chain
        return chain
    }

    /// Asks for the first loads of a look-up of `key` (``slot(_:)``): its entry in
    /// ``recentSlots`` and its first word in the key map.
    @inline(__always)
    func prefetchLookUp(of key: AggregateKey) {
        recentSlots.prefetch(key)
        slotIDs.prefetch(hash: key.tableHash)
    }

    /// Asks for the key and the figures of the slot a look-up of `key` most likely finds, once its
    /// word in the key map is near (``prefetchLookUp(of:)``).
    @inline(__always)
    func prefetchSlot(of key: AggregateKey) {
        guard let slot = slotIDs.likelyNumber(hash: key.tableHash) else { return }
        slotKeys.prefetch(Int(slot))
        aggregates.prefetch(Int(slot))
    }

    func slot(_ key: AggregateKey) -> Int32 {
        if let slot = recentSlots.slot(of: key) { return slot }
        if let slot = slotID(of: key) {
            recentSlots.remember(key, slot: slot)
            return slot
        }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slotKeys[Int(slot)] = key
            aggregates[Int(slot)] = Aggregate()
            slotSequence[Int(slot)] = 0
        } else {
            slot = Int32(slotKeys.count)
            slotKeys.append(key)
            aggregates.append(Aggregate())
            slotSequence.append(0)
            slotDirty.append(false)
        }
        slotIDs.insert(number: slot, hash: key.tableHash)
        recentSlots.remember(key, slot: slot)
        return slot
    }

    /// The slot of `key` in the key map, if it has one.
    func slotID(of key: AggregateKey) -> Int32? {
        slotIDs.find(hash: key.tableHash) { slotKeys[Int($0)] == key }
    }

    /// The text form of a slot's key. Not kept: the publish path writes names as bytes, and
    /// hundreds of thousands of kept names would cost more memory than rendering them again.
    func name(ofSlot slot: Int) -> String {
        var out = JSONBytes(capacity: 64)
        writeName(ofSlot: slot, to: &out)
        return out.string
    }

    /// Writes the text form of a slot's key, `/m/{window}/{region path}@{agency}`, into `out`.
    func writeName(ofSlot slot: Int, to out: inout JSONBytes) {
        let key = slotKeys[slot]
        out.append("/m/")
        Window(code: key.window).write(to: &out)
        out.append(byte: UInt8(ascii: "/"))
        out.append(regionPaths[Int(key.region)])
        out.append(byte: UInt8(ascii: "@"))
        out.append(agencyNames[Int(key.agency)])
    }
}
