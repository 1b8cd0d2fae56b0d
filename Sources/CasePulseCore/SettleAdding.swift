/// Where an engine's settlings make their additions (``SettleBatch/apply()``) when the engine's
/// owner should not wait for them: a thread of their own (``SettleAdder``), or, in tests, one that
/// holds them until it is waited for.
///
/// An implementation applies every batch it is given exactly once, in the order given, and
/// ``waitUntilApplied()`` returns only once each batch given before the call is applied.
public protocol SettleAdding: Sendable {
    /// Takes `batch`, to be applied after every batch given before it.
    func add(_ batch: SettleBatch)

    /// Returns once every batch given so far is applied.
    func waitUntilApplied()
}
