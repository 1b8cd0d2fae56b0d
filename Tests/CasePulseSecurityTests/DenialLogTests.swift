import CasePulseTestKit
import Logging
import Testing

@testable import CasePulseSecurity

/// PROTOCOL.md §6: refused handshakes are logged at `notice`, at most 10 lines per 10 seconds, then
/// one line with the number not logged.
@Suite struct DenialLogTests {
    @Test func tenSecondsLogTenLinesThenSayHowManyWereHeldBack() {
        let recording = RecordingLogHandler()
        let start = ContinuousClock.now
        var log = DenialLog(logger: recording.logger(), now: start)
        for index in 0..<40 { log.log("denied \(index)", now: start + .milliseconds(index)) }
        #expect(recording.lines.map(\.message) == (0..<10).map { "denied \($0)" })
        #expect(recording.lines.allSatisfy { $0.level == .notice })

        log.flush(now: start + .seconds(10) - .nanoseconds(1))
        #expect(recording.lines.count == 10)
        log.flush(now: start + .seconds(10))
        #expect(recording.lines.count == 11)
        #expect(recording.lines.last?.message == "30 more refused handshakes in the last 10.0 seconds were not logged")

        // A new window: ten lines again; a window with nothing held back ends silently.
        for index in 0..<10 { log.log("again \(index)", now: start + .seconds(11)) }
        log.flush(now: start + .seconds(30))
        #expect(recording.lines.count == 21)
        #expect(recording.lines.last?.message == "again 9")
    }
}
