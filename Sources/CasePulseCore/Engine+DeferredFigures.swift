/// Deferred figures: a rebuild adds each event to one entry per (day, place, agency) and the
/// entries to their keys at the end (see ``DeferredFigures``).
extension Engine {
    /// Whether contributions are held back until ``settleFigures()``.
    public var defersFigures: Bool { defers }

    /// Holds back the figures' updates until ``settleFigures()``: events and restored records are
    /// folded into their cases as always, and their contributions kept per (day, place, agency)
    /// instead of added to every key. For a rebuild, which reads no figure until it ends, and for
    /// live ingest between two publishes (bounded by ``settleFiguresIfFull(entries:)``).
    ///
    /// Every call that reads or publishes figures settles them first, so the engine never shows
    /// figures that lack a contribution; settling explicitly only chooses when that work is done.
    public func deferFigures() {
        defers = true
    }

    /// How many entries — one per (day, place, agency) — hold contributions back: the deferred
    /// tables grow with it, and ``settleFigures()`` costs about as much per entry.
    public var deferredEntryCount: Int { deferred.placements.count }

    /// The most entries live ingest holds back before it settles them
    /// (``settleFiguresIfFull(entries:)``): some 0.6 MB of deferred tables, kept from one
    /// deferral to the next, and a settling of about a millisecond. 1,000,000-case ingest
    /// (`casepulse bench`), alternating: 663.5k and 631.5k ev/s, peak 386 and 387 B per case,
    /// against 637.1k and 664.3k, 388 and 390 B at 16,384 entries.
    public static let liveDeferralEntries = 4_096

    /// Settles the contributions held back once they fill `entries` entries, and goes on
    /// deferring: for live ingest, which defers between two publishes (a publish, a snapshot or a
    /// checkpoint settles them anyway) and so keeps the deferred tables bounded however long the
    /// interval. Does nothing while the figures are not deferred.
    ///
    /// With a ``settleAdder`` this thread only finds the keys: the additions are handed to the
    /// adder and made there while this thread goes on with the next events, which are held back
    /// in the other of the two deferred tables. The next settling (or anything that reads a
    /// figure) waits for them first, so at most one settling's additions are ever in flight.
    @inline(__always)
    public func settleFiguresIfFull(entries: Int = Engine.liveDeferralEntries) {
        guard defers, deferred.placements.count >= entries else { return }
        guard let adder = settleAdder else {
            settleFigures()
            defers = true
            return
        }
        handOffSettling(to: adder)
    }

    /// Finishes the settling in flight, then finds the keys of what is held back and hands their
    /// additions to `adder`, beneficiaries left out, and returns: the held table is set aside
    /// (``additionsInFlight``) and contributions go to the other one. Figures stay deferred.
    private func handOffSettling(to adder: any SettleAdding) {
        finishAdditions()
        guard !deferred.placements.isEmpty else { return }
        let held = deferred
        deferredInSecond.toggle()
        var batches: [SettleBatch] = []
        settle(held, handingOff: { batch in
            adder.add(batch.withoutParties)
            batches.append(batch)
        }, batchWords: Self.settleBatchWords)
        additionsInFlight = InFlightAdditions(adder: adder, held: held, batches: batches)
    }

    /// Waits until the additions of the last live settling handed to ``settleAdder`` are made,
    /// counts its beneficiaries on this thread, and empties the table they read for its next
    /// turn. Every path that reads or changes a figure goes through
    /// ``settleFigures(handingOff:waitingUntilApplied:batchWords:)``, which calls this first.
    func finishAdditions() {
        guard let additions = additionsInFlight else { return }
        additions.finish()
        additions.held.removeAll(keepingCapacity: Self.keepsTables(additions.held))
        additionsInFlight = nil
    }

    /// Words of slot numbers a settling hands off at once (some 128 KB).
    public static let settleBatchWords = 1 << 15

    /// Whether a deferred table emptied after its settling keeps its capacity: live ingest's
    /// deferrals, bounded and one after another, keep their tables; a replay's, one and large,
    /// frees them.
    static func keepsTables(_ held: DeferredFigures) -> Bool {
        held.placements.count <= 2 * liveDeferralEntries
    }

    /// Adds every contribution held back since ``deferFigures()`` to the keys it counts under, as
    /// applying them directly would have (those keys are marked changed), and updates figures
    /// directly again. Does nothing when nothing is deferred.
    ///
    /// Each entry goes to the keys of its day; the entries of one (month, place, agency) share
    /// every other key (all time, the year, the month: three quarters of them), so their sum goes
    /// to those once. Beneficiaries are counted per entry, in both. With a ``settleAdder`` the
    /// counts and amounts are added there while this thread finds the keys; once they are, this
    /// thread counts the beneficiaries (``InFlightAdditions``).
    public func settleFigures() {
        // Every publish settles, most with nothing held back (always, at a publish interval of 0).
        guard defers || additionsInFlight != nil else { return }
        if let adder = settleAdder {
            if defers {
                handOffSettling(to: adder)
                defers = false
            }
            finishAdditions()
        } else {
            settleFigures(handingOff: { $0.apply() }, waitingUntilApplied: {})
        }
    }

    /// Settles as ``settleFigures()`` does, with the adding handed off: this thread finds or makes
    /// the slots of every entry's keys and marks them changed, and gives the additions, in
    /// batches, to `handOff`, which must have each ``SettleBatch/apply()``d, in the order given —
    /// on another thread, while this one finds the next batch's slots. `wait` returns once every
    /// batch handed off is applied; the settling calls it before it returns (on every path) and
    /// frees the deferred tables only then.
    ///
    /// The halves cost about the same (at 1,000,000 events, some 0.15 s of finding and 0.12 s of
    /// adding), so on two cores settling takes about half as long. A batch is handed off once it
    /// holds `batchWords` words of slot numbers, at the end of a group (tests make it small). Day
    /// keys are found one by one, their lists not kept (``forEachDaySlot(day:place:chain:_:)``).
    /// The engine must not be used by anything else until this returns.
    public func settleFigures(
        handingOff handOff: (SettleBatch) -> Void, waitingUntilApplied wait: () -> Void,
        batchWords: Int = Engine.settleBatchWords
    ) {
        finishAdditions()
        guard defers else { return }
        defers = false
        // Live ingest defers at every pass of the daemon's loop, most of them holding nothing.
        guard !deferred.placements.isEmpty else { return }
        let held = deferred
        // Emptied however the settling ends — once no batch reads them.
        defer { held.removeAll(keepingCapacity: Self.keepsTables(held)) }
        defer { wait() }
        settle(held, handingOff: handOff, batchWords: batchWords)
    }

    /// Finds or makes the slots of every key `held`'s entries count under, marks them changed,
    /// and hands the additions to `handOff` in batches of about `batchWords` words. Reads `held`
    /// and leaves it as it is.
    private func settle(_ held: DeferredFigures, handingOff handOff: (SettleBatch) -> Void, batchWords: Int) {
        let order = held.entriesInMonthOrder(places: places)
        var batch = SettleBatch(held: held, capacity: batchWords + 64)
        var start = 0
        while start < order.count {
            let month = held.placements[order[start]]
            let coarse = coarseSlots(for: month)
            batch.beginGroup(coarse: coarse, in: slotLists)
            let place = places[Int(month.place)]
            let chain = regionChain(place.regionCode)
            var end = start
            while end < order.count {
                let entry = order[end]
                let placement = held.placements[entry]
                guard placement.day / 100 == month.day / 100, placement.place == month.place else { break }
                batch.append(entry: entry)
                forEachDaySlot(day: placement.day, place: place, chain: chain) { slot in
                    batch.appendDaySlot(slot)
                    touch(slot)
                }
                end += 1
            }
            touch(coarse)
            start = end
            if batch.count >= batchWords || start == order.count {
                // Every slot the batch names exists by now.
                batch.segments = aggregates.segmentBases
                handOff(batch)
                batch = SettleBatch(held: held, capacity: batchWords + 64)
            }
        }
    }

    /// Marks every key of `run` changed.
    private func touch(_ run: SlotRun) {
        for index in run.indices { touch(slotLists[index]) }
    }
}
