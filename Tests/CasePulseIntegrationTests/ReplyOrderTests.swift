import Foundation
import Testing
import ZeroMQ

/// PROTOCOL.md §2.1: replies come in the order the messages were received from that connection,
/// whatever mix of ACKs and NACKs they are. A NACK is known at once while an ACK waits for its
/// event to be durable; neither may overtake the other.
@Suite struct ReplyOrderTests {
    /// One message a connection sends: its event id and whether the daemon must accept it.
    struct Sent {
        var id: String
        var valid: Bool
        var body: String
    }

    /// `count` messages of connection `name`: every third refused (a region of five digits), every
    /// fifth a resend of the one five before it (ACKed again when that was valid).
    static func messages(_ name: String, count: Int) -> [Sent] {
        var sent: [Sent] = []
        for index in 0..<count {
            if index >= 5, index.isMultiple(of: 5) {
                sent.append(sent[index - 5])
                continue
            }
            let id = "\(name)-\(index)"
            let valid = index % 3 != 1
            sent.append(Sent(id: id, valid: valid, body: Filing.event(id, producer: name, region: valid ? "370812101" : "37081").json))
        }
        return sent
    }

    @Test(arguments: ["batch", "always"])
    func mixedAcksAndNacksComeBackInTheOrderSent(fsync: String) throws {
        let daemon = try DaemonProcess(arguments: ["--fsync", fsync])
        defer { daemon.terminate() }
        let context = try Context()
        let count = 600
        // Two connections, their bursts interleaved: each must get its own replies in its order.
        let names = ["order-a", "order-b"]
        var dealers: [Socket] = []
        defer { for dealer in dealers { dealer.close(linger: 0) } }
        for _ in names {
            let dealer = try Socket(context, .dealer)
            dealers.append(dealer)
            try dealer.setReceiveTimeout(20_000)
            try dealer.setSendHighWaterMark(0)
            try dealer.setReceiveHighWaterMark(0)
            try dealer.connect(daemon.reliable)
        }
        let sent = names.map { Self.messages($0, count: count) }
        for start in stride(from: 0, to: count, by: 50) {
            for (dealer, messages) in zip(dealers, sent) {
                for message in messages[start..<min(start + 50, count)] {
                    _ = try dealer.send(multipart: [Array("case.v1".utf8), Array(message.body.utf8)])
                }
            }
        }
        var results: [String: [String]] = [:]
        for (name, (dealer, messages)) in zip(names, zip(dealers, sent)) {
            var mismatches: [String] = []
            for (index, message) in messages.enumerated() {
                let reply = try #require(try dealer.receiveMultipart(), "\(name): no reply #\(index)")
                let text = reply.prefix(3).map { String(decoding: $0, as: UTF8.self) }
                let expected = message.valid ? ["ACK", message.id] : ["NACK", message.id, "invalid"]
                if text != expected { mismatches.append("#\(index): \(text) instead of \(expected)") }
            }
            results[name] = mismatches
        }
        #expect(results["order-a"] == [], "\(results["order-a"]?.prefix(5) ?? [])")
        #expect(results["order-b"] == [], "\(results["order-b"]?.prefix(5) ?? [])")
        // Each connection's valid events counted once, its resends as duplicates.
        let distinctValid = Set(sent[0].filter(\.valid).map(\.id)).count
        #expect(try daemon.ingestCounter("accepted") == 2 * distinctValid)
        #expect(try daemon.ingestCounter("duplicates") == 2 * (sent[0].filter(\.valid).count - distinctValid))
    }
}
