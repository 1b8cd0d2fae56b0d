import Foundation
import Testing
import ZeroMQ

/// PROTOCOL.md §4, day retention, on the real daemon (every other daemon test keeps all days): a
/// day window is kept while it is less than `--day-retention` days old in the configured zone,
/// today being 0 days old; events of older days still count in their month, year and `all`.
@Suite struct DayRetentionTests {
    @Test func dayWindowsAreKeptWhileYoungerThanTheRetention() throws {
        let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = zone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        /// The day `age` days before today in Beijing, as a day key names it.
        func day(_ age: Int) throws -> String {
            formatter.string(from: try #require(calendar.date(byAdding: .day, value: -age, to: Date())))
        }
        let today = try day(0)
        let daemon = try DaemonProcess(arguments: ["--day-retention", "2", "--publish-interval", "0"])
        defer { daemon.terminate() }
        let ages = [0, 1, 2, 3]
        let events = try ages.map { age in
            Filing.event("age-\(age)", producer: "retention-app").json
                .replacingOccurrences(of: "2022-10-05T09:30:00+08:00", with: "\(try day(age))T12:00:00+08:00")
        }
        #expect(try HashmapProtocolTests.sendReliably(events, to: daemon.reliable) == ages.map { ["ACK", "age-\($0)"] })
        try #require(try day(0) == today, "the day changed in Beijing during the test")

        let figures = try daemon.snapshot(subtree: "/m/").values
        let days = Set(figures.keys.compactMap { key -> String? in
            let window = key.split(separator: "/")[1]
            return window.count == 10 ? String(window) : nil
        })
        #expect(days == [try day(0), try day(1)], "day windows: \(days.sorted())")
        #expect(figures["/m/all/@all"]?.contains(#""filed":4,"#) == true, "\(figures["/m/all/@all"] ?? "")")
        #expect(try daemon.ingestCounter("accepted") == 4)
    }
}
