import CasePulseTestKit
import Foundation
import Logging
import Testing

@testable import CasePulseServer

/// PROTOCOL.md §2.4 and §5.3: refused messages and producers' sequence gaps are logged at most 10
/// lines a second, then one line saying how many were not logged. A flood thus costs the operator a
/// few lines, yet every refusal and gap is either logged or counted in such a line.
@Suite struct RefusalLogTests {
    static let second: UInt64 = 1_000_000_000

    /// The sum of the counts of the "N more refusals and gaps were not logged" lines in `lines`.
    static func heldBack(_ lines: some Sequence<Substring>) -> Int {
        lines.reduce(0) { sum, line in
            guard let range = line.range(of: " more refusals and gaps were not logged in the last second") else { return sum }
            let count = line[..<range.lowerBound].split(separator: " ").last.flatMap { Int($0) }
            return sum + (count ?? 0)
        }
    }

    @Test func aSecondLogsTenLinesThenSaysHowManyItHeldBack() {
        let recording = RecordingLogHandler()
        var log = RefusalLog(logger: recording.logger())
        let start = 5 * Self.second
        for index in 0..<25 {
            log.log(index.isMultiple(of: 5) ? .warning : .notice, "line \(index)", now: start + UInt64(index) * 1000)
        }
        #expect(recording.lines.map(\.message) == (0..<10).map { "line \($0)" })
        #expect(recording.lines.map(\.level) == (0..<10).map { $0.isMultiple(of: 5) ? .warning : .notice })

        // Nothing more until the second is over; then one line with the count, from the heartbeat.
        log.flush(now: start + Self.second - 1)
        #expect(recording.lines.count == 10)
        log.flush(now: start + Self.second)
        #expect(recording.lines.count == 11)
        #expect(recording.lines.last?.level == .notice)
        #expect(recording.lines.last?.message == "15 more refusals and gaps were not logged in the last second")

        // The next second has its ten lines again, and a quiet second says nothing.
        for index in 0..<10 { log.log(.notice, "again \(index)", now: start + Self.second + UInt64(index)) }
        #expect(recording.lines.count == 21)
        log.flush(now: start + 3 * Self.second)
        #expect(recording.lines.count == 21)
        #expect(Self.heldBack(recording.lines.map { Substring($0.message) }) == 15)
    }

    /// On the real daemon: a burst of refused messages and gaps, far more than ten a second. Every
    /// refusal is still counted under `/sys/ingest`, and every one is either logged or summed up.
    @Test func aFloodOfRefusalsAndGapsIsLoggedTenLinesASecond() throws {
        let daemon = try DaemonProcess(arguments: ["--publish-interval", "0"])
        defer { daemon.terminate() }
        let refused = 300, gapped = 50
        // Producer "gappy" skips every other number: each event after its first opens a gap.
        let gaps = (0...gapped).map { Filing.event("gap-\($0)", producer: "gappy", seq: 2 * $0 + 1).json }
        let refusals = (0..<refused).map { Filing.event("bad-\($0)", producer: "flood", region: "37081").json }
        let started = ContinuousClock.now
        let replies = try HashmapProtocolTests.sendReliably(gaps + refusals, to: daemon.reliable)
        let elapsed = ContinuousClock.now - started
        #expect(Dictionary(grouping: replies, by: { $0.first ?? "" }).mapValues(\.count) == ["ACK": gapped + 1, "NACK": refused])

        // Wait for the heartbeat to end the last busy second and say what it held back.
        var lines: [Substring] = []
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            usleep(100_000)
            lines = daemon.log.split(separator: "\n")
        } while ContinuousClock.now < deadline
            && lines.count { $0.contains("refused reliable message") || $0.contains("sequence gap") } + Self.heldBack(lines) < refused + gapped

        let refusalLines = lines.count { $0.contains("refused reliable message") }
        let gapLines = lines.count { $0.contains("WARNING") && $0.contains("producer gappy: sequence gap, 1 missing") }
        #expect(refusalLines + gapLines + Self.heldBack(lines) == refused + gapped, "log: \(daemon.log.prefix(3000))")
        // At most ten lines in each second the burst spanned (its first and last possibly partial).
        let seconds = Int(elapsed.components.seconds) + 2
        #expect(refusalLines + gapLines <= 10 * seconds, "\(refusalLines + gapLines) lines in under \(seconds) s")
        #expect(refusalLines + gapLines >= 10)
        #expect(try daemon.ingestCounter("rejected") == refused)
    }
}
