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
    public func settleFigures() {
        guard defers else { return }
        defers = false
        let held = deferred
        // Emptied, its tables freed, however the settling ends.
        defer { held.removeAll() }
        for entry in held.entriesInKeyOrder() {
            let figures = held.figures[entry]
            let placement = held.placements[entry]
            update(slotsOf: placement) { $0.add(countsOf: figures) }
            for word in held.parties[entry] {
                let (party, delta) = DeferredFigures.party(of: word)
                let sign: Int32 = delta > 0 ? 1 : -1
                for _ in 0..<delta.magnitude { update(slotsOf: placement, party: party, sign) { _ in } }
            }
        }
    }
}
