/// An interned key: window, region node (0 is the root) and agency (0 is `all`).
struct AggregateKey: Hashable, Sendable {
    var window: UInt32
    var region: UInt32
    var agency: UInt32
}

/// The cache key of the slots one placement touches: its day, region and agency.
struct PlacementKey: Hashable, Sendable {
    var day: UInt32
    var region: RegionCode
    var agency: UInt32
}
