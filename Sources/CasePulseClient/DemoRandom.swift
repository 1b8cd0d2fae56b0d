/// SplitMix64 (Steele, Lea & Flood, 2014): the deterministic generator behind ``DemoFeed``.
///
/// Bounded draws use integer arithmetic only, so a seed yields the same stream on every platform.
struct DemoRandom: Sendable {
    private var state: UInt64

    /// Creates a generator whose output is determined by `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 pseudo-random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0 ..< bound` (multiply-high reduction); `0` when `bound` is `0`.
    mutating func below(_ bound: UInt64) -> UInt64 {
        bound == 0 ? 0 : next().multipliedFullWidth(by: bound).high
    }

    /// An `Int` in `range`; its lower bound when the range is empty.
    mutating func int(_ range: Range<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(max(0, range.count))))
    }

    /// An `Int64` in `range`.
    mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(below(UInt64(range.upperBound - range.lowerBound) + 1))
    }

    /// `true` with probability `numerator / denominator`.
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        int(0..<denominator) < numerator
    }

    /// An index drawn with the given integer weights (which must not all be zero).
    mutating func weighted(_ weights: [Int]) -> Int {
        var draw = int(0..<weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if draw < weight { return index }
            draw -= weight
        }
        return weights.count - 1
    }

    /// A value from one of several ranges, the range chosen by weight: a cheap skewed
    /// distribution without floating point.
    mutating func bucketed(_ buckets: [(weight: Int, range: ClosedRange<Int64>)]) -> Int64 {
        let index = weighted(buckets.map(\.weight))
        return int64(buckets[index].range)
    }
}
