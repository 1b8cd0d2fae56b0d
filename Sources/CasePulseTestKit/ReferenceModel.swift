import CasePulseCore
import Foundation

/// A deliberately naive, obviously-correct computation of the contract's aggregates ("Meaning: what
/// the aggregates count"), written independently of the real engine so tests can compute expected
/// figures.
///
/// It keeps every event in memory, recomputes everything from scratch, uses Foundation's Gregorian
/// `Calendar` for the windows and builds region paths from the code's digits: slow, but easy to
/// check against the contract line by line.
///
/// Decisions taken here where the contract is terse:
/// - Event identity is the `id` alone, compared by UTF-8 bytes (the contract: "a second event with
///   the same id is a duplicate and changes nothing"): the first occurrence in the order given is
///   kept and any later one is a duplicate, whatever its case or other fields.
/// - (`at`, `id`) order compares `at` numerically, then `id` by UTF-8 bytes lexicographically
///   (see ``orderedBefore(_:_:)``), never by Swift `String` comparison.
/// - Windows use the calendar day of `at` truncated to whole seconds (`at` floored to seconds).
/// - An event adds to each distinct key of its own once, so an agency literally named `all`
///   counts once under `@all`.
public enum ReferenceModel {
    /// Every aggregate key with a non-zero aggregate, mapped to its aggregate.
    ///
    /// - Parameters:
    ///   - events: the events in order of arrival, redeliveries included: any order gives the
    ///     same figures unless an id comes with two different events (then the first counts). Case ids and event
    ///     ids are compared by their UTF-8 bytes, not up to Unicode canonical equivalence as the
    ///     engine compares case ids (PROTOCOL.md §3): give them in one normalization form.
    ///   - timeZone: the zone of the calendar windows (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
    ///   - dayRetention: when given with `days > 0`, day windows are kept only for the `days` most
    ///     recent calendar days up to and including the day of `now` (nanoseconds since the epoch),
    ///     plus any later day; `all`, year and month windows are always kept. `nil` or `days == 0`
    ///     keeps every day window.
    /// - Returns: keys of the form `/m/{window}/{region path}@{agency}`.
    public static func aggregates(
        of events: some Sequence<CaseEvent>, timeZone: TimeZone,
        dayRetention: (days: Int, now: Int64)? = nil
    ) -> [String: ReferenceAggregate] {
        // 1. Deduplicate by id, keep the first occurrence, group by case.
        var seen = Set<[UInt8]>()
        var cases: [[UInt8]: [CaseEvent]] = [:]
        for event in events where seen.insert(Array(event.id.utf8)).inserted {
            cases[Array(event.caseID.utf8), default: []].append(event)
        }

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var retainedFrom: Date?
        if let dayRetention, dayRetention.days > 0 {
            let today = calendar.startOfDay(for: date(of: dayRetention.now))
            retainedFrom = calendar.date(byAdding: .day, value: -(dayRetention.days - 1), to: today)
        }

        var pathsByRegion: [RegionCode: [String]] = [:]
        func keys(of event: CaseEvent) -> [String] {
            var names = windowNames(of: event.at, calendar: calendar)
            if let retainedFrom, calendar.startOfDay(for: date(of: event.at)) < retainedFrom {
                names.removeLast()
            }
            let paths = pathsByRegion[event.region] ?? regionPaths(of: event.region)
            pathsByRegion[event.region] = paths
            // Each key once, even for an agency literally named "all".
            let agencies = event.agency == "all" ? ["all"] : ["all", event.agency]
            var result: [String] = []
            result.reserveCapacity(names.count * paths.count * agencies.count)
            for window in names {
                let head = "/m/" + window + "/"
                for path in paths {
                    let stem = head + path + "@"
                    for agency in agencies {
                        result.append(stem + agency)
                    }
                }
            }
            return result
        }

        // 2. Per case: skip voided cases, pick filing, decision and closing, count each.
        var out: [String: ReferenceAggregate] = [:]
        func add(_ event: CaseEvent, _ body: (inout ReferenceAggregate) -> Void) {
            for key in keys(of: event) {
                body(&out[key, default: ReferenceAggregate()])  // in place: no copy of the party set
            }
        }
        for (_, caseEvents) in cases {
            if caseEvents.contains(where: { $0.type == .voided }) { continue }
            let filing = caseEvents.filter { $0.type == .filed }.min(by: orderedBefore)
            let decision = caseEvents.filter { $0.type == .decided }.max(by: orderedBefore)
            let closing = caseEvents.filter { $0.type == .closed }.min(by: orderedBefore)

            if let filing {
                add(filing) { value in
                    value.filed += 1
                    if filing.channel == .online { value.filedOnline += 1 }
                }
            }
            if let decision {
                let party = decision.subject ?? filing?.subject
                add(decision) { value in
                    value.decided += 1
                    switch decision.decision {
                    case .noPenalty: value.noPenalty += 1
                    case .reduced: value.reduced += 1
                    case .lighter: value.lighter += 1
                    case .standard: value.standard += 1
                    case .heavier: value.heavier += 1
                    case nil: break
                    }
                    switch decision.reason {
                    case .minor: value.npMinor += 1
                    case .firstOffense: value.npFirstOffense += 1
                    case .noFault: value.npNoFault += 1
                    case nil: break
                    }
                    value.fineFen += decision.fineFen
                    value.waivedFen += decision.waivedFen
                    if decision.decision == .noPenalty || decision.decision == .reduced, let party {
                        value.beneficiaries.insert(party)
                    }
                }
            }
            if let closing {
                add(closing) { $0.closed += 1 }
            }
        }
        return out.filter { !$0.value.isZero }
    }

    /// The (`at`, `id`) order of the contract: `a` comes first when its `at` is smaller, or when the
    /// `at` values are equal and `a.id`'s UTF-8 bytes precede `b.id`'s lexicographically (so
    /// `"d10"` precedes `"d9"`).
    public static func orderedBefore(_ a: CaseEvent, _ b: CaseEvent) -> Bool {
        if a.at != b.at { return a.at < b.at }
        return Array(a.id.utf8).lexicographicallyPrecedes(Array(b.id.utf8))
    }

    /// The region paths an event with this code counts at, from the root (empty path) down, each
    /// level a segment ending in `/`: e.g. `""`, `"370000/"`, `"370000/370800/"`,
    /// `"370000/370800/370812/"`, then the 9-digit town and the 12-digit village when present.
    /// Built from the code's digits (independently of `RegionCode.path`).
    public static func regionPaths(of region: RegionCode) -> [String] {
        let digits = Array(region.description)
        let six = String(digits[0..<6])
        let pp = String(digits[0..<2])
        let cc = String(digits[2..<4])
        let xx = String(digits[4..<6])
        var paths = [""]
        var path = pp + "0000/"
        paths.append(path)
        if cc != "00" {
            path += pp + cc + "00/"
            paths.append(path)
        }
        if xx != "00" {
            path += six + "/"
            paths.append(path)
        }
        if digits.count >= 9 {
            path += String(digits[0..<9]) + "/"
            paths.append(path)
        }
        if digits.count == 12 {
            path += String(digits) + "/"
            paths.append(path)
        }
        return paths
    }

    /// The windows an event at `at` (nanoseconds since the epoch) counts in, in `timeZone`:
    /// `all`, `YYYY`, `YYYY-MM`, `YYYY-MM-DD`.
    public static func windows(of at: Int64, timeZone: TimeZone) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return windowNames(of: at, calendar: calendar)
    }

    private static func windowNames(of at: Int64, calendar: Calendar) -> [String] {
        let parts = calendar.dateComponents([.year, .month, .day], from: date(of: at))
        let year = pad(parts.year!, 4)
        let month = year + "-" + pad(parts.month!, 2)
        return ["all", year, month, month + "-" + pad(parts.day!, 2)]
    }

    /// `at` floored to whole seconds, as a `Date` (exact: no nanoseconds pass through `Double`).
    private static func date(of at: Int64) -> Date {
        let seconds = at >= 0 ? at / 1_000_000_000 : (at + 1) / 1_000_000_000 - 1
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
