import Foundation

/// Maps instants to calendar dates in one IANA time zone.
///
/// The zone's UTC offset is looked up through Foundation and cached for the interval in which it is
/// constant, so the common case — events close together in time — costs two comparisons and integer
/// arithmetic. Not thread-safe: owned by the engine.
public final class ZoneCalendar {
    /// The zone dates are computed in.
    public let timeZone: TimeZone
    private var validFrom: Int64 = .max
    private var validUntil: Int64 = .min
    private var offset: Int64 = 0
    /// The local day last converted, as days since the epoch, and its date: events come in runs
    /// on one day, and the conversion costs a dozen divisions.
    private var lastDay: Int64 = .min
    private var lastDate = CivilDate(daysSinceEpoch: 0)

    /// Creates a calendar for `timeZone`.
    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The UTC offset, in seconds, in force at `unixSeconds`.
    public func utcOffset(atUnixSeconds unixSeconds: Int64) -> Int64 {
        if unixSeconds >= validFrom, unixSeconds < validUntil { return offset }
        let date = Date(timeIntervalSince1970: TimeInterval(unixSeconds))
        offset = Int64(timeZone.secondsFromGMT(for: date))
        validFrom = unixSeconds
        if let next = timeZone.nextDaylightSavingTimeTransition(after: date) {
            validUntil = Int64(next.timeIntervalSince1970.rounded(.down))
        } else {
            validUntil = .max
        }
        if validUntil <= validFrom { validUntil = validFrom + 1 }
        return offset
    }

    /// The local calendar date of an instant given in nanoseconds since the Unix epoch.
    public func date(atUnixNanoseconds nanos: Int64) -> CivilDate {
        let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
        return date(atUnixSeconds: seconds)
    }

    /// The local calendar date of an instant given in seconds since the Unix epoch.
    public func date(atUnixSeconds seconds: Int64) -> CivilDate {
        let local = seconds + utcOffset(atUnixSeconds: seconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        if days != lastDay {
            lastDay = days
            lastDate = CivilDate(daysSinceEpoch: days)
        }
        return lastDate
    }
}
