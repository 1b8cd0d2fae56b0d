/// A calendar window of the key grammar: `all`, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
///
/// Encoded as one integer so keys stay small: `all` is 0, a year `Y` is `Y·10000`, a month
/// `Y·10000 + M·100`, a day `Y·10000 + M·100 + D`. The encoding sorts like the calendar within each
/// granularity.
public struct Window: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The encoded window.
    public let code: UInt32

    /// Every event, all time.
    public static let all = Window(code: 0)

    /// The year of `date`.
    public static func year(_ date: CivilDate) -> Window {
        Window(code: UInt32(date.year) * 10_000)
    }

    /// The month of `date`.
    public static func month(_ date: CivilDate) -> Window {
        Window(code: UInt32(date.year) * 10_000 + UInt32(date.month) * 100)
    }

    /// The day `date`.
    public static func day(_ date: CivilDate) -> Window {
        Window(code: UInt32(date.year) * 10_000 + UInt32(date.month) * 100 + UInt32(date.day))
    }

    /// Whether this is a day window.
    public var isDay: Bool { code % 100 != 0 }

    /// The window's text in keys.
    public var description: String {
        if code == 0 { return "all" }
        let year = code / 10_000
        let month = code / 100 % 100
        let day = code % 100
        var text = Self.pad(year, 4)
        if month != 0 { text += "-" + Self.pad(month, 2) }
        if day != 0 { text += "-" + Self.pad(day, 2) }
        return text
    }

    /// Appends the window's text in keys to `out`, as ``description`` reads, without building a
    /// string (the publish path names every changed key).
    public func write(to out: inout JSONBytes) {
        if code == 0 {
            out.append("all")
            return
        }
        /// `value` in decimal, zeros before it up to `width` digits; a year past 9999 keeps all its
        /// digits, as `description` does.
        func digits(_ value: UInt32, _ width: Int) {
            var threshold: UInt32 = 1
            for _ in 1..<width { threshold *= 10 }
            while threshold > 1, value < threshold {
                out.append(byte: UInt8(ascii: "0"))
                threshold /= 10
            }
            out.append(unsigned: UInt64(value))
        }
        digits(code / 10_000, 4)
        let month = code / 100 % 100, day = code % 100
        if month != 0 {
            out.append(byte: UInt8(ascii: "-"))
            digits(month, 2)
        }
        if day != 0 {
            out.append(byte: UInt8(ascii: "-"))
            digits(day, 2)
        }
    }

    private static func pad(_ value: UInt32, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Orders by code.
    public static func < (lhs: Window, rhs: Window) -> Bool { lhs.code < rhs.code }
}
