/// Send and arrival times of one latency run, one slot per event, in monotonic nanoseconds.
///
/// The sender thread writes only `sent`, the subscriber thread only `received`; both are read
/// after the two threads are done (joined through a semaphore), so no slot is shared while written.
final class LatencyTimes: @unchecked Sendable {
    let sent: UnsafeMutableBufferPointer<UInt64>
    let received: UnsafeMutableBufferPointer<UInt64>

    init(count: Int) {
        sent = .allocate(capacity: count)
        sent.initialize(repeating: 0)
        received = .allocate(capacity: count)
        received.initialize(repeating: 0)
    }

    deinit {
        sent.deallocate()
        received.deallocate()
    }
}
