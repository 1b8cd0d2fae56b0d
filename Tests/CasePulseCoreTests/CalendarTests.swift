import CasePulseCore
import Foundation
import Testing

@Suite struct CalendarTests {
    @Test func civilDateRoundTripsEveryDayFrom1900To2400() {
        var days = CivilDate(year: 1900, month: 1, day: 1).daysSinceEpoch
        let end = CivilDate(year: 2400, month: 12, day: 31).daysSinceEpoch
        var previous = CivilDate(daysSinceEpoch: days - 1)
        while days <= end {
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(previous < date)
            previous = date
            days += 1
        }
    }

    @Test func knownDates() {
        #expect(CivilDate(daysSinceEpoch: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
        #expect(CivilDate(year: 2024, month: 2, day: 29).daysSinceEpoch == 19_782)
        #expect(CivilDate(daysSinceEpoch: -1) == CivilDate(year: 1969, month: 12, day: 31))
    }

    @Test func shanghaiDatesCrossMidnightAtSixteenUTC() throws {
        let calendar = ZoneCalendar(timeZone: try #require(TimeZone(identifier: "Asia/Shanghai")))
        // 2022-12-31T15:59:59Z is 23:59:59 local; one second later it is 2023-01-01.
        let before = CivilDate(year: 2022, month: 12, day: 31).daysSinceEpoch * 86_400 + 15 * 3600 + 3599
        #expect(calendar.date(atUnixSeconds: before) == CivilDate(year: 2022, month: 12, day: 31))
        #expect(calendar.date(atUnixSeconds: before + 1) == CivilDate(year: 2023, month: 1, day: 1))
        #expect(calendar.date(atUnixNanoseconds: (before + 1) * 1_000_000_000 - 1)
            == CivilDate(year: 2022, month: 12, day: 31))
    }

    @Test func followsDaylightSavingTransitionsBothWays() throws {
        let calendar = ZoneCalendar(timeZone: try #require(TimeZone(identifier: "America/New_York")))
        // 2024-03-10 07:00Z is 03:00 EDT (just after the spring transition): still March 10.
        let spring = CivilDate(year: 2024, month: 3, day: 10).daysSinceEpoch * 86_400 + 7 * 3600
        #expect(calendar.utcOffset(atUnixSeconds: spring) == -4 * 3600)
        #expect(calendar.utcOffset(atUnixSeconds: spring - 3601) == -5 * 3600)
        // 2024-11-04 04:30Z is 23:30 EST on Nov 3; asked after a later instant (cache goes backwards).
        let later = CivilDate(year: 2024, month: 12, day: 1).daysSinceEpoch * 86_400
        _ = calendar.date(atUnixSeconds: later)
        let autumn = CivilDate(year: 2024, month: 11, day: 4).daysSinceEpoch * 86_400 + 4 * 3600 + 1800
        #expect(calendar.date(atUnixSeconds: autumn) == CivilDate(year: 2024, month: 11, day: 3))
        // 2024-11-01 03:30Z is 23:30 EDT on Oct 31.
        #expect(calendar.date(atUnixSeconds: autumn - 3 * 86_400 - 3600) == CivilDate(year: 2024, month: 10, day: 31))
    }

    @Test func windowText() {
        let date = CivilDate(year: 2022, month: 10, day: 5)
        #expect(Window.all.description == "all")
        #expect(Window.year(date).description == "2022")
        #expect(Window.month(date).description == "2022-10")
        #expect(Window.day(date).description == "2022-10-05")
        #expect(Window.day(date).isDay && !Window.month(date).isDay && !Window.all.isDay)
    }

    /// Keys are named by ``Window/write(to:)``, which must read as ``Window/description`` for every
    /// window: short years padded, months and days of one digit padded, years past 9999 whole.
    @Test(arguments: [1, 9, 10, 999, 1000, 1970, 2024, 9999, 10_000, 123_456])
    func windowWritesItsDescription(year: Int32) {
        var windows: [Window] = [.all]
        for month: UInt8 in 1...12 {
            for day: UInt8 in [1, 9, 10, 28, 31] {
                let date = CivilDate(year: year, month: month, day: day)
                windows += [.year(date), .month(date), .day(date)]
            }
        }
        for window in windows {
            var out = JSONBytes(capacity: 16)
            window.write(to: &out)
            #expect(out.string == window.description)
        }
    }
}
