/// Deferred figures: a rebuild adds each event to one entry per (day, place, agency) and the
/// entries to their keys at the end (see ``DeferredFigures``).
extension Engine {
    /// Whether contributions are held back until ``settleFigures()``.
    public var defersFigures: Bool { defers }

    /// Holds back the figures' updates until ``settleFigures()``: events and restored records are
    /// folded into their cases as always, and their contributions kept per (day, place, agency)
    /// instead of added to every key. For a rebuild, which reads no figure until it ends.
    ///
    /// Every call that reads or publishes figures settles them first, so the engine never shows
    /// figures that lack a contribution; settling explicitly only chooses when that work is done.
    public func deferFigures() {
        defers = true
    }

    /// Adds every contribution held back since ``deferFigures()`` to the keys it counts under, as
    /// applying them directly would have (those keys are marked changed), and updates figures
    /// directly again. Does nothing when nothing is deferred.
    ///
    /// Each entry goes to the keys of its day; the entries of one (month, place, agency) share
    /// every other key (all time, the year, the month: three quarters of them), so their sum goes
    /// to those once. Beneficiaries are counted per entry, in both.
    public func settleFigures() {
        guard defers else { return }
        defers = false
        let held = deferred
        // Emptied, its tables freed, however the settling ends.
        defer { held.removeAll() }
        let order = held.entriesInMonthOrder(places: places)
        var start = 0
        while start < order.count {
            let month = held.placements[order[start]]
            let coarse = slots(for: month).coarse
            var sum = Aggregate()
            var end = start
            while end < order.count {
                let entry = order[end]
                let placement = held.placements[entry]
                guard placement.day / 100 == month.day / 100, placement.place == month.place else { break }
                let day = slots(for: placement).day
                let figures = held.figures[entry]
                add(figures, to: day)
                sum.add(countsOf: figures)
                for word in held.parties[entry] {
                    let (party, delta) = DeferredFigures.party(of: word)
                    count(party: party, delta, in: day)
                    count(party: party, delta, in: coarse)
                }
                end += 1
            }
            add(sum, to: coarse)
            start = end
        }
    }

    /// Adds `figures`' counts and amounts to every key of `run`, and marks them changed.
    private func add(_ figures: Aggregate, to run: SlotRun) {
        for index in run.indices {
            let slot = slotLists[index]
            aggregates[Int(slot)].add(countsOf: figures)
            touch(slot)
        }
    }

    /// Counts `party` `delta` times more (or, negative, fewer) among the beneficiaries of every key
    /// of `run`, and marks them changed.
    private func count(party: UInt32, _ delta: Int32, in run: SlotRun) {
        let sign: Int32 = delta > 0 ? 1 : -1
        for index in run.indices {
            let slot = slotLists[index]
            for _ in 0..<delta.magnitude { count(party: party, sign, in: slot) }
            touch(slot)
        }
    }
}
