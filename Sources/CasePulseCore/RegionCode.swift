/// An administrative division code (GB/T 2260, extended to 9-digit towns and 12-digit villages).
///
/// The code sits in a hierarchy: province `PP0000`, city `PPCC00` (when `CC ≠ 00`), county
/// `PPCCXX` (when `XX ≠ 00`), town (9 digits) and village (12 digits). ``path`` lists the levels an
/// event counts at, from the province down.
public struct RegionCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The code's digits as a number (leading zeros are kept by ``length``).
    public let value: UInt64
    /// Number of digits: 6, 9 or 12.
    public let length: UInt8

    /// Parses a code of exactly 6, 9 or 12 ASCII digits; `nil` for anything else.
    public init?<S: StringProtocol>(_ text: S) {
        var value: UInt64 = 0
        var count: UInt8 = 0
        for byte in text.utf8 {
            guard byte >= 0x30, byte <= 0x39, count < 12 else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
            count += 1
        }
        guard count == 6 || count == 9 || count == 12 else { return nil }
        self.value = value
        self.length = count
    }

    /// Creates a code from its numeric value and digit count; `nil` unless the count is 6, 9 or 12
    /// and the value fits.
    public init?(value: UInt64, length: Int) {
        guard length == 6 || length == 9 || length == 12 else { return nil }
        var limit: UInt64 = 1
        for _ in 0..<length { limit *= 10 }
        guard value < limit else { return nil }
        self.value = value
        self.length = UInt8(length)
    }

    /// The code in one word: the value (below 10^12 < 2^40) with the digit count in the top byte.
    var packed: UInt64 { value | UInt64(length) << 56 }

    /// The code of a ``packed`` word.
    init(packed: UInt64) {
        value = packed & 0x00FF_FFFF_FFFF_FFFF
        length = UInt8(truncatingIfNeeded: packed >> 56)
    }

    /// The code as written, with leading zeros.
    public var description: String {
        let digits = String(value)
        return String(repeating: "0", count: Int(length) - digits.count) + digits
    }

    /// The 6-digit county-level part of the code.
    public var county: UInt64 {
        switch length {
        case 6: value
        case 9: value / 1000
        default: value / 1_000_000
        }
    }

    /// The most levels a ``path`` has: province, city, county, town, village.
    public static var maximumDepth: Int { 5 }

    /// The levels this code counts at, from the province down, each as a code of its own:
    /// province, city (when `CC ≠ 00`), county (when `XX ≠ 00`), town (9 and 12 digits), village
    /// — at most ``maximumDepth``.
    public var path: [RegionCode] {
        var levels: [RegionCode] = []
        levels.reserveCapacity(5)
        let six = county
        let province = six / 10_000 * 10_000
        levels.append(RegionCode(unchecked: province, length: 6))
        let city = six / 100 * 100
        if city != province { levels.append(RegionCode(unchecked: city, length: 6)) }
        if six != city { levels.append(RegionCode(unchecked: six, length: 6)) }
        if length >= 9 {
            let town = length == 9 ? value : value / 1000
            levels.append(RegionCode(unchecked: town, length: 9))
        }
        if length == 12 { levels.append(self) }
        return levels
    }

    private init(unchecked value: UInt64, length: UInt8) {
        self.value = value
        self.length = length
    }

    /// Orders by digit count, then by value.
    public static func < (lhs: RegionCode, rhs: RegionCode) -> Bool {
        (lhs.length, lhs.value) < (rhs.length, rhs.value)
    }
}
