extension Engine {
    /// The slots of every key a placement counts under: windows × region path (with the root) ×
    /// {all, own agency}. Cached per (day, region, agency), so a busy place costs one lookup.
    func slots(for placement: Placement) -> ContiguousArray<Int32> {
        let cacheKey = PlacementKey(day: placement.day, region: placement.region, agency: placement.agency)
        if let cached = placementSlots[cacheKey] { return cached }
        let day = placement.day
        var windows: [UInt32] = [0, day / 10_000 * 10_000, day / 100 * 100]
        if keepsDay(day) { windows.append(day) }
        let regions = regionChain(placement.region)
        var result = ContiguousArray<Int32>()
        result.reserveCapacity(windows.count * regions.count * 2)
        for window in windows {
            for region in regions {
                result.append(slot(AggregateKey(window: window, region: region, agency: 0)))
                // An agency literally named `all` is the `@all` key itself: count it once.
                if placement.agency != 0 {
                    result.append(slot(AggregateKey(window: window, region: region, agency: placement.agency)))
                }
            }
        }
        placementSlots[cacheKey] = result
        return result
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

    func slot(_ key: AggregateKey) -> Int32 {
        if let slot = slotIDs[key] { return slot }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slotKeys[Int(slot)] = key
            slotNames[Int(slot)] = nil
            aggregates[Int(slot)] = Aggregate()
            slotSequence[Int(slot)] = 0
        } else {
            slot = Int32(slotKeys.count)
            slotKeys.append(key)
            slotNames.append(nil)
            aggregates.append(Aggregate())
            slotSequence.append(0)
            slotDirty.append(false)
        }
        slotIDs[key] = slot
        return slot
    }

    /// The text form of a slot's key, rendered once and kept: publishing and snapshots name the
    /// same keys over and over.
    func name(ofSlot slot: Int) -> String {
        if let name = slotNames[slot] { return name }
        let name = render(slotKeys[slot])
        slotNames[slot] = name
        return name
    }

    /// The text form of a key, `/m/{window}/{region path}@{agency}`.
    func render(_ key: AggregateKey) -> String {
        "/m/" + Window(code: key.window).description + "/" + regionPaths[Int(key.region)] + "@"
            + agencyNames[Int(key.agency)]
    }
}
