import CasePulseClient
import CasePulseWire
import Foundation
import Testing
import ZeroMQ

/// README: "SIGTERM or SIGINT publishes what is pending and exits 0" — figures held back by the
/// publish interval reach subscribers before the daemon exits, not never.
@Suite struct StopPublishesTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func aStopPublishesWhatThePublishIntervalHeldBack(signal: Int32) throws {
        let daemon = try DaemonProcess(arguments: ["--publish-interval", "60000"])
        let context = try Context()
        let subscriber = try WatchedSubscriber(context: context, endpoint: daemon.publish, prefixes: ["/m/all/@all"])
        #expect(try subscriber.waitFor(.handshakeSucceeded))
        let publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, replyTimeout: .seconds(30))
        defer { publisher.close() }
        func send(_ ids: ClosedRange<Int>) throws {
            let events = ids.map { Filing.event("s\($0)", producer: "stop-app") }
            #expect(try publisher.send(events).accepted == events.count)
        }
        /// The `filed` count of each `/m/all/@all` update received within `timeout`, up to one of `filed`.
        func filedCounts(until filed: Int, timeout: Duration) throws -> [Int] {
            let deadline = ContinuousClock.now + timeout
            try subscriber.socket.setReceiveTimeout(50)
            var counts: [Int] = []
            while ContinuousClock.now < deadline, counts.last != filed {
                guard let frames = try subscriber.socket.receiveMultipart(),
                      case .keyValue("/m/all/@all", _, let value?)? = ClusteredHashmap.Command(frames: frames),
                      let match = value.firstMatch(of: /"filed":(\d+),/), let count = Int(match.1)
                else { continue }
                counts.append(count)
            }
            return counts
        }

        // Acknowledged, so applied and durable; the interval holds their figures for a minute.
        try send(1...5)
        #expect(try filedCounts(until: 5, timeout: .seconds(1)).isEmpty, "held back by the 60 s interval")

        kill(daemon.process.processIdentifier, signal)
        #expect(try filedCounts(until: 5, timeout: .seconds(10)).last == 5, "log: \(daemon.log.suffix(2000))")
        #expect(daemon.terminate() == 0, "log: \(daemon.log.suffix(2000))")
    }
}
