/// A SplitMix64 pseudo-random number generator (Steele, Lea & Flood, 2014): the deterministic
/// source behind the demo feed and the test generators.
///
/// Bounded draws use their own integer arithmetic rather than the standard library's
/// `random(in:using:)`, so a seed yields the same stream on every platform and toolchain.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose output is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 pseudo-random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's finaliser: spreads every input bit over the whole output (also the last step
    /// of the engine's stable id hash, whose stored values depend on it staying as it is).
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0 ..< bound` (multiply-high reduction); `0` when `bound` is `0`.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        bound == 0 ? 0 : next().multipliedFullWidth(by: bound).high
    }

    /// An `Int` in `range`; its lower bound when the range is empty.
    public mutating func int(_ range: Range<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(max(0, range.count))))
    }

    /// An `Int` in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(range.count)))
    }

    /// An `Int64` in `range`; its lower bound when the range is empty.
    public mutating func int64(_ range: Range<Int64>) -> Int64 {
        let width = UInt64(bitPattern: range.upperBound &- range.lowerBound)
        return range.lowerBound &+ Int64(bitPattern: below(range.isEmpty ? 0 : width))
    }

    /// An `Int64` in `range`.
    public mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound &+ Int64(bitPattern: below(UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1))
    }

    /// `true` with probability `numerator / denominator`.
    public mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        int(0..<denominator) < numerator
    }

    /// A uniformly chosen element of a non-empty collection.
    public mutating func pick<C: RandomAccessCollection>(_ elements: C) -> C.Element {
        precondition(!elements.isEmpty, "nothing to pick from")
        return elements[elements.index(elements.startIndex, offsetBy: int(0..<elements.count))]
    }

    /// Shuffles `elements` in place (Fisher–Yates).
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            let j = int(0...i)
            if i != j { elements.swapAt(i, j) }
        }
    }

    /// A shuffled copy of `elements`.
    public mutating func shuffled<T>(_ elements: [T]) -> [T] {
        var copy = elements
        shuffle(&copy)
        return copy
    }

    /// An index drawn with the given integer weights; the last index when they are all zero.
    public mutating func weighted(_ weights: [Int]) -> Int {
        var draw = int(0..<weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if draw < weight { return index }
            draw -= weight
        }
        return weights.count - 1
    }

    /// A value from one of several ranges, the range chosen by weight: a cheap skewed
    /// distribution without floating point.
    public mutating func bucketed(_ buckets: [(weight: Int, range: ClosedRange<Int64>)]) -> Int64 {
        let index = weighted(buckets.map(\.weight))
        return int64(buckets[index].range)
    }
}
