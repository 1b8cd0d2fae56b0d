/// An interned key: window, region node (0 is the root) and agency (0 is `all`).
struct AggregateKey: Hashable, Sendable {
    var window: UInt32
    var region: UInt32
    var agency: UInt32
}

/// Where one cached slot list sits in the engine's ``Engine/slotLists``.
struct SlotRun: Sendable {
    private var first: UInt32
    private var past: UInt32

    init(start: Int, end: Int) {
        first = UInt32(start)
        past = UInt32(end)
    }

    /// The positions of the list's slots.
    var indices: Range<Int> { Int(first)..<Int(past) }
}

/// The cache key of the slots one placement touches: its day and interned (region, agency).
struct PlacementKey: Hashable, Sendable {
    var day: UInt32
    var place: UInt32
}
