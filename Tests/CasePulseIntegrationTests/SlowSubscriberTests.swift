import CasePulseClient
import CasePulseTestKit
import CasePulseWire
import Foundation
import Testing
import ZeroMQ

/// PROTOCOL.md §5.2: "The send high-water mark is 1,000,000 messages per subscriber": a dashboard
/// that stalls for a while (libzmq's default would hold 1,000 updates for it) still gets every
/// update once it reads again.
@Suite struct SlowSubscriberTests {
    /// The sequence numbers of the KVPUBs `socket` holds, read until it stays quiet for 1 s.
    static func drain(_ socket: Socket) throws -> [UInt64] {
        try socket.setReceiveTimeout(1000)
        var sequences: [UInt64] = []
        while let frames = try socket.receiveMultipart() {
            if case .keyValue(_, let sequence, _)? = ClusteredHashmap.Command(frames: frames) { sequences.append(sequence) }
        }
        return sequences
    }

    @Test func aSubscriberThatStallsMissesNoUpdateBelowTheHighWaterMark() throws {
        let daemon = try DaemonProcess(arguments: ["--day-retention", "0", "--publish-interval", "0"])
        defer { daemon.terminate() }
        let context = try Context()
        /// A subscriber to every key; `stalled` holds one message and reads nothing until the end,
        /// so what the kernel's buffers cannot take waits in the daemon's queue for it.
        func subscriber(stalled: Bool) throws -> Socket {
            let socket = try Socket(context, .sub)
            try socket.setReceiveHighWaterMark(stalled ? 1 : 0)
            try socket.subscribe("")
            try socket.connect(daemon.publish)
            return socket
        }
        let reading = try subscriber(stalled: false), stalled = try subscriber(stalled: true)
        defer {
            reading.close(linger: 0)
            stalled.close(linger: 0)
        }
        // Both connected and subscribed once each has seen a heartbeat.
        for socket in [reading, stalled] { try #require(try socket.awaitHeartbeat(), "no heartbeat") }

        // Small bursts, each published on its own: tens of thousands of updates.
        let events = Array(JiningFeed(seed: 8).events().prefix(3000))
        let publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, window: 20, replyTimeout: .seconds(30))
        defer { publisher.close() }
        #expect(try publisher.send(events: events).allAccepted)

        let expected = try Self.drain(reading)
        try #require(expected.count > 20_000, "only \(expected.count) updates: too few to pass libzmq's default of 1,000")
        let received = try Self.drain(stalled)
        #expect(received.count == expected.count && received == expected,
                "the stalled subscriber got \(received.count) of \(expected.count) updates")
    }
}
