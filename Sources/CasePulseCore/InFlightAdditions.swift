/// A settling whose additions were handed to a ``SettleAdding`` and may not all be made yet.
///
/// The adder adds the counts and amounts only (``SettleBatch/withoutParties``): counting a
/// beneficiary can grow its key's table, and memory a thread allocates stays in its own allocator
/// arena, where the engine's owner's frees and allocations cannot reuse it — the adder's thread
/// allocating the tables cost the daemon's peak 7 to 39 MiB at a million cases (380, 387 and
/// 414 MiB against 373–375). The beneficiaries are counted by ``finish()``, on the owner's
/// thread, once the adder is done.
struct InFlightAdditions {
    /// Where the batches went.
    let adder: any SettleAdding
    /// The deferred table the batches read: not touched until ``finish()`` returns.
    let held: DeferredFigures
    /// The batches handed off, in order.
    var batches: [SettleBatch]

    /// Waits for the adder, then counts every batch's beneficiaries, in order.
    func finish() {
        adder.waitUntilApplied()
        for batch in batches { batch.applyParties() }
    }
}
