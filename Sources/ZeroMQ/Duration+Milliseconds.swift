extension Duration {
    /// The duration in whole milliseconds, rounded up, never negative (for `zmq_poll` and socket
    /// options).
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let (capped, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow || capped > Int64(Int32.max) { return Int(Int32.max) }
        return Int(capped) + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// ``wholeMilliseconds`` as a poll timeout relative to `deadline`, `0` when it has passed.
    public static func milliseconds(until deadline: ContinuousClock.Instant) -> Int {
        (deadline - .now).wholeMilliseconds
    }
}
