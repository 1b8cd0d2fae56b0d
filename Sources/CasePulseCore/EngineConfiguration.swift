import Foundation

/// What the engine needs to know to place events: the zone of its calendar windows and how long day
/// windows are kept.
public struct EngineConfiguration: Sendable {
    /// IANA zone the calendar windows are cut in (default `Asia/Shanghai`).
    public var timeZone: TimeZone
    /// Day windows are kept while less than this many days old (today is 0 days old); 0 keeps all.
    public var dayRetentionDays: Int
    /// The most chunks of 1 MiB the engine's store of case texts holds:
    /// ``maximumTextStoreChunks`` (4 GiB less a chunk) unless a test fills a smaller store.
    /// Not kept in a state: a restart takes it anew.
    public var textStoreChunks = EngineConfiguration.maximumTextStoreChunks

    /// The most chunks of 1 MiB a store of case texts can hold: every text reference is 32 bits.
    public static var maximumTextStoreChunks: Int { TextArena.maximumChunks }

    /// Creates a configuration.
    public init(timeZone: TimeZone, dayRetentionDays: Int = 400) {
        self.timeZone = timeZone
        self.dayRetentionDays = max(0, dayRetentionDays)
    }
}
