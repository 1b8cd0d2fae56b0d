import CasePulseCore
import CasePulseWire
import Foundation
import Testing

private let second: Int64 = 1_000_000_000

@Test(arguments: [
    ("1970-01-01T00:00:00Z", Int64(0)),
    ("2000-01-01T00:00:00Z", 946_684_800 * second),
    ("2000-02-29T00:00:00Z", 951_782_400 * second),
    ("2024-02-29T12:00:00+08:00", 1_709_179_200 * second),
    ("2024-02-29T23:59:59-05:30", 1_709_270_999 * second),
    ("2024-02-29t04:00:00z", 1_709_179_200 * second),
    ("2024-02-29T04:00:00-00:00", 1_709_179_200 * second),
    ("2024-02-29T04:00:00.5Z", 1_709_179_200 * second + 500_000_000),
    ("2024-02-29T04:00:00.000000001Z", 1_709_179_200 * second + 1),
    ("2024-02-29T04:00:00.123456789999Z", 1_709_179_200 * second + 123_456_789),
    ("2016-12-31T23:59:60Z", 1_483_228_799 * second + 999_999_999),
    ("2016-12-31T23:59:60.5Z", 1_483_228_799 * second + 999_999_999),
    ("2096-02-29T00:00:00Z", 3_981_312_000 * second),
    ("2400-02-29T00:00:00Z", nil),  // a valid date, beyond 64-bit nanoseconds
    ("1969-12-31T23:59:59.999999999Z", -1),
    ("2262-04-11T23:47:16.854775807Z", Int64.max),
    ("1677-09-21T00:12:43.145224192Z", Int64.min),
] as [(String, Int64?)])
func parses(_ text: String, _ expected: Int64?) {
    #expect(RFC3339.nanoseconds(from: text) == expected)
}

@Test(arguments: [
    "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
    "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-32T00:00:00Z",
    "2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z", "2024-01-01T23:59:61Z",
    "2024-01-01T00:00:00", "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00+08:60",
    "2024-01-01T00:00:00+0800", "2024-01-01T00:00:00+8:00", "2024-01-01 00:00:00Z",
    "2024-01-01T00:00:00.Z", "2024-01-01T00:00Z", "2024-01-01", "", "2024-1-01T00:00:00Z",
    "2024-01-01T00:00:00ZZ", "2024-01-01T00:00:00Z ", " 2024-01-01T00:00:00Z", "+2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00,5Z", "２０２４-01-01T00:00:00Z", "2262-04-11T23:47:17Z", "9999-12-31T23:59:59Z",
])
func rejects(_ text: String) {
    #expect(RFC3339.nanoseconds(from: text) == nil)
}

@Test(arguments: [
    (Int64(0), "1970-01-01T00:00:00Z"),
    (946_684_800 * second, "2000-01-01T00:00:00Z"),
    (1_709_179_200 * second + 500_000_000, "2024-02-29T04:00:00.5Z"),
    (1_709_179_200 * second + 1, "2024-02-29T04:00:00.000000001Z"),
    (1_709_179_200 * second + 120_000_000, "2024-02-29T04:00:00.12Z"),
    (-1, "1969-12-31T23:59:59.999999999Z"),
    (Int64.max, "2262-04-11T23:47:16.854775807Z"),
    (Int64.min, "1677-09-21T00:12:43.145224192Z"),
] as [(Int64, String)])
func formats(_ nanoseconds: Int64, _ expected: String) {
    #expect(RFC3339.format(nanoseconds: nanoseconds) == expected)
}

@Test func formatAndParseRoundTripOverTheWholeRange() {
    var rng = SplitMix64(seed: 3339)
    for _ in 0..<2000 {
        let ns = Int64.random(in: .min ... .max, using: &rng)
        #expect(RFC3339.nanoseconds(from: RFC3339.format(nanoseconds: ns)) == ns)
    }
}

/// Every day from 1999-01-01 to 2101-12-31 against Foundation's Gregorian calendar.
@Test func everyDayAgreesWithFoundation() throws {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
    let start = try #require(calendar.date(from: DateComponents(year: 1999, month: 1, day: 1)))
    var mismatches = 0
    for offset in 0..<(103 * 366) {
        let date = try #require(calendar.date(byAdding: .day, value: offset, to: start))
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = parts.year, year <= 2101, let month = parts.month, let day = parts.day else { break }
        let text = String(format: "%04d-%02d-%02dT12:34:56+08:00", year, month, day)
        let expected = (Int64(date.timeIntervalSince1970) + 12 * 3600 + 34 * 60 + 56 - 8 * 3600) * second
        if RFC3339.nanoseconds(from: text) != expected { mismatches += 1 }
        if RFC3339.format(nanoseconds: Int64(date.timeIntervalSince1970) * second)
            != String(format: "%04d-%02d-%02dT00:00:00Z", year, month, day) { mismatches += 1 }
    }
    #expect(mismatches == 0)
}
