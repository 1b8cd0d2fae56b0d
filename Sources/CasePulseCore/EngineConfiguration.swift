import Foundation

/// What the engine needs to know to place events: the zone of its calendar windows and how long day
/// windows are kept.
public struct EngineConfiguration: Sendable {
    /// IANA zone the calendar windows are cut in (default `Asia/Shanghai`).
    public var timeZone: TimeZone
    /// Day windows are kept while less than this many days old (today is 0 days old); 0 keeps all.
    public var dayRetentionDays: Int

    /// Creates a configuration.
    public init(timeZone: TimeZone, dayRetentionDays: Int = 400) {
        self.timeZone = timeZone
        self.dayRetentionDays = max(0, dayRetentionDays)
    }
}
