import Foundation
import Testing
import ZeroMQ

/// The daemon's size limits on the real daemon (PROTOCOL.md §2.4): `--max-event-bytes` decides
/// what is refused as `too_large`, and a frame far beyond any limit is never read at all.
@Suite struct FrameSizeTests {
    static let topic = Array("case.v1".utf8)

    /// A filing of about `bytes` bytes: a valid one padded with an unknown field, which the daemon
    /// ignores (§2.2).
    static func paddedFiling(_ id: String, bytes: Int) -> [UInt8] {
        let filing = Filing.event(id, producer: "big-app").json
        let padding = max(0, bytes - filing.utf8.count - 12)
        return Array((String(filing.dropLast()) + #","note":""# + String(repeating: "x", count: padding) + #""}"#).utf8)
    }

    /// The first three frames of each reply to `messages` on the reliable path (nil when not
    /// answered within `timeout` ms): enough to tell an ACK and a NACK's reason.
    static func replies(_ messages: [[[UInt8]]], to daemon: DaemonProcess, timeout: Int32 = 10_000) throws -> [[String]?] {
        try HashmapProtocolTests.replies(to: messages, at: daemon.reliable, timeout: timeout).map { $0.map { Array($0.prefix(3)) } }
    }

    /// casepulsed(8) `--max-event-bytes`: events up to the limit are taken, larger ones refused as
    /// `too_large`, whatever the default (65,536) would have said.
    @Test(arguments: [(200_000, "ACK"), (500, "NACK")])
    func theEventSizeLimitIsTheFlags(limit: Int, reply: String) throws {
        let daemon = try DaemonProcess(arguments: ["--max-event-bytes", "\(limit)"])
        defer { daemon.terminate() }
        let large = Self.paddedFiling("large", bytes: 150_000)
        let answers = try Self.replies([[Self.topic, large], [Self.topic, Array(Filing.event("small", producer: "big-app").json.utf8)]], to: daemon)
        // The size is checked before the JSON is read: the NACK names no id (§2.1).
        #expect(answers[0] == (reply == "ACK" ? ["ACK", "large"] : ["NACK", "", "too_large"]), "\(answers[0] ?? [])")
        #expect(answers[1] == ["ACK", "small"])
        #expect(try daemon.ingestCounter("accepted") == (reply == "ACK" ? 2 : 1))
    }

    /// A frame over 1 MiB is not read: libzmq closes the connection when its length is announced,
    /// before taking memory. No NACK, not counted, the daemon's peak memory does not grow by the
    /// frame; a reliable producer's resend on its new connection is then answered.
    @Test func aFrameOverOneMebibyteIsCutOffUnreadAndUncounted() throws {
        let daemon = try DaemonProcess()
        defer { daemon.terminate() }
        let before = try HostileInputTests.peakMemory(daemon)
        let huge = [UInt8](repeating: 0x20, count: 32 << 20)
        let answers = try Self.replies([[Self.topic, huge]], to: daemon, timeout: 2000)
        #expect(answers == [nil], "a 32 MiB frame was answered: \(answers)")
        #expect(try daemon.ingestCounter("received") == 0)
        let grown = try HostileInputTests.peakMemory(daemon) - before
        #expect(grown < 16 << 10, "the daemon's peak grew by \(grown) kB")
        #expect(try Self.replies([[Self.topic, Array(Filing.event("after", producer: "big-app").json.utf8)]], to: daemon) == [["ACK", "after"]])
    }

    /// The snapshot ROUTER does the same above 64 KiB: such a request gets no answer, and the
    /// daemon answers the next client.
    @Test func aSnapshotRequestOverSixtyFourKibibytesIsCutOff() throws {
        let daemon = try DaemonProcess()
        defer { daemon.terminate() }
        let context = try Context()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close(linger: 0) }
        try dealer.setReceiveTimeout(2000)
        try dealer.connect(daemon.snapshot)
        _ = try dealer.send(multipart: [Array("ICANHAZ?".utf8), Array("/m/".utf8) + [UInt8](repeating: 0x61, count: 100 << 10)])
        #expect(try dealer.receiveMultipart() == nil)
        #expect(try daemon.snapshot(subtree: "/sys/").values["/sys/ingest"] != nil)
    }
}
