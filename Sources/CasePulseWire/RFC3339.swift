import CasePulseCore
internal import CEventParser

/// RFC 3339 date-times as used by the `at` field: Unix nanoseconds, UTC.
public enum RFC3339 {
    /// Formats Unix nanoseconds as an RFC 3339 UTC date-time, e.g. `2024-02-29T04:00:00Z` or
    /// `2024-02-29T04:00:00.5Z`: the fraction only when non-zero, without trailing zeros.
    public static func format(nanoseconds: Int64) -> String {
        let (seconds, nanos) = floorDivide(nanoseconds, 1_000_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        let (year, month, day) = (Int64(date.year), Int64(date.month), Int64(date.day))
        var text = ""
        text.reserveCapacity(30)
        append(year, width: 4, to: &text)
        text.append("-")
        append(month, width: 2, to: &text)
        text.append("-")
        append(day, width: 2, to: &text)
        text.append("T")
        append(secondOfDay / 3600, width: 2, to: &text)
        text.append(":")
        append(secondOfDay / 60 % 60, width: 2, to: &text)
        text.append(":")
        append(secondOfDay % 60, width: 2, to: &text)
        if nanos != 0 {
            var fraction = nanos
            var width = 9
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            text.append(".")
            append(fraction, width: width, to: &text)
        }
        text.append("Z")
        return text
    }

    /// Parses an RFC 3339 date-time with offset (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`,
    /// `T`/`Z` in either case, leap second 60 read as 59.999999999, fraction truncated to
    /// nanoseconds) into Unix nanoseconds; `nil` when the text is not one or does not fit. The
    /// event range rule of `at` (2000 to now + 1 day) is not applied here.
    public static func nanoseconds(from text: String) -> Int64? {
        var text = text
        var result: Int64 = 0
        let status = text.withUTF8 { utf8 in
            cp_parse_rfc3339(utf8.baseAddress, utf8.count, &result, nil, 0)
        }
        return status == CP_OK ? result : nil
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    private static func append(_ value: Int64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.utf8.count < width {
            text.append(String(repeating: "0", count: width - digits.utf8.count))
        }
        text.append(digits)
    }
}
