import CasePulseWire
import Foundation
import Testing
import ZeroMQ

/// Hostile input against the real daemon: dozens of kinds of bad message, each sent many times over
/// both ingest paths. Every one must be refused with its reason (a NACK on the reliable path, the
/// count under `/sys/ingest` on both), no `/m/` figure may move, the daemon must answer afterwards,
/// and its peak memory must not grow between a first and an identical second round.
@Suite(.serialized) struct HostileInputTests {
    /// One kind of bad message: its frames and the reason it must be refused with.
    struct Kind: Sendable, CustomStringConvertible {
        var name: String
        var frames: [[UInt8]]
        var reason: String
        var repetitions = 25
        var description: String { name }

        /// The repetitions in bursts, each answered (or received) before the next is sent: a frame
        /// over 64 KiB alone, others 500 at a time. The daemon's backlog — which a loaded host
        /// lets grow, each queued message keeping its read buffer — then stays small, and its
        /// peak memory tells a leak rather than how far it fell behind.
        var bursts: [Range<Int>] {
            let size = frames.reduce(0) { $0 + $1.count } > 64 << 10 ? 1 : 500
            return stride(from: 0, to: repetitions, by: size).map { $0..<min($0 + size, repetitions) }
        }
    }

    static let topic = Array("case.v1".utf8)

    /// A valid filing with `changes` applied: a value is raw JSON text, `nil` removes the field.
    static func event(_ changes: [String: String?] = [:], extra: String = "") -> String {
        var fields: [(String, String?)] = [
            ("id", #""h-1""#), ("producer", #""hostile-app""#), ("type", #""filed""#), ("case", #""hc-1""#),
            ("at", #""2022-10-05T09:30:00+08:00""#), ("region", #""370812101""#), ("agency", #""scjg""#),
            ("channel", #""online""#),
        ]
        for (name, value) in changes {
            if let index = fields.firstIndex(where: { $0.0 == name }) {
                fields[index].1 = value
            } else {
                fields.append((name, value))
            }
        }
        return "{" + fields.compactMap { name, value in value.map { "\"\(name)\":\($0)" } }.joined(separator: ",") + extra + "}"
    }

    static func body(_ text: String) -> [[UInt8]] { [topic, Array(text.utf8)] }
    static func bytes(_ bytes: [UInt8]) -> [[UInt8]] { [topic, bytes] }

    static let kinds: [Kind] = {
        let valid = event()
        let validBytes = Array(valid.utf8)
        var kinds = [
            // Frames.
            Kind(name: "one frame", frames: [topic], reason: "malformed"),
            Kind(name: "three frames", frames: [topic, validBytes, Array("more".utf8)], reason: "malformed"),
            Kind(name: "REQ-style empty delimiter", frames: [[], topic, validBytes], reason: "malformed"),
            // Topic.
            Kind(name: "topic case.v2", frames: [Array("case.v2".utf8), validBytes], reason: "unsupported"),
            Kind(name: "empty topic", frames: [[], validBytes], reason: "unsupported"),
            Kind(name: "topic in capitals", frames: [Array("CASE.V1".utf8), validBytes], reason: "unsupported"),
            Kind(name: "topic with a NUL", frames: [topic + [0], validBytes], reason: "unsupported"),
            // Size.
            Kind(name: "65,537 bytes", frames: body(valid + String(repeating: " ", count: 65_537 - valid.utf8.count)), reason: "too_large"),
            Kind(name: "1 MiB of digits", frames: bytes([UInt8](repeating: 0x31, count: 1 << 20)), reason: "too_large", repetitions: 20),
            // Frames up to 1 MiB are NACKed as too_large; larger ones may be cut off by ZMQ_MAXMSGSIZE.
            Kind(name: "1,000,000 bytes of noise", frames: bytes((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }), reason: "too_large", repetitions: 10),
            // Not one JSON object in UTF-8.
            Kind(name: "empty body", frames: body(""), reason: "malformed"),
            Kind(name: "white space", frames: body("  \n\t "), reason: "malformed"),
            Kind(name: "truncated JSON", frames: body(String(valid.dropLast(5))), reason: "malformed"),
            Kind(name: "an array", frames: body("[" + valid + "]"), reason: "malformed"),
            Kind(name: "a string", frames: body(#""case.v1""#), reason: "malformed"),
            Kind(name: "trailing garbage", frames: body(valid + " x"), reason: "malformed"),
            Kind(name: "two objects", frames: body(valid + valid), reason: "malformed"),
            Kind(name: "invalid UTF-8", frames: bytes(Array(#"{"id":"h-"#.utf8) + [0xFF, 0xFE] + Array(valid.utf8.dropFirst(9))), reason: "malformed"),
            Kind(name: "overlong UTF-8", frames: bytes(Array(#"{"id":"h-"#.utf8) + [0xC0, 0xAF] + Array(valid.utf8.dropFirst(9))), reason: "malformed"),
            Kind(name: "UTF-8 surrogate", frames: bytes(Array(#"{"id":"h-"#.utf8) + [0xED, 0xA0, 0x80] + Array(valid.utf8.dropFirst(9))), reason: "malformed"),
            Kind(name: "NUL bytes", frames: bytes([0, 0, 0, 0]), reason: "malformed"),
            Kind(name: "unterminated string", frames: body(#"{"id":"h-1"#), reason: "malformed"),
            Kind(name: "deep nesting", frames: body(#"{"x":"# + String(repeating: "[", count: 50_000)), reason: "malformed", repetitions: 10),
            // Fields.
            Kind(name: "no id", frames: body(event(["id": nil])), reason: "invalid"),
            Kind(name: "empty id", frames: body(event(["id": #""""#])), reason: "invalid"),
            Kind(name: "id of 129 characters", frames: body(event(["id": "\"" + String(repeating: "i", count: 129) + "\""])), reason: "invalid"),
            Kind(name: "id is a number", frames: body(event(["id": "42"])), reason: "invalid"),
            Kind(name: "id twice", frames: body(event(extra: #","id":"h-2""#)), reason: "invalid"),
            Kind(name: "producer with a space", frames: body(event(["producer": #""hostile app""#])), reason: "invalid"),
            Kind(name: "seq 0", frames: body(event(["seq": "0"])), reason: "invalid"),
            Kind(name: "seq 2^63", frames: body(event(["seq": "9223372036854775808"])), reason: "invalid"),
            Kind(name: "seq 1.0", frames: body(event(["seq": "1.0"])), reason: "invalid"),
            Kind(name: "seq quoted", frames: body(event(["seq": #""1""#])), reason: "invalid"),
            Kind(name: "seq negative", frames: body(event(["seq": "-1"])), reason: "invalid"),
            Kind(name: "seq of 400 digits", frames: body(event(["seq": String(repeating: "9", count: 400)])), reason: "invalid"),
            Kind(name: "unknown type", frames: body(event(["type": #""opened""#])), reason: "invalid"),
            Kind(name: "type null", frames: body(event(["type": "null"])), reason: "invalid"),
            Kind(name: "29 February 2023", frames: body(event(["at": #""2023-02-29T10:00:00+08:00""#])), reason: "invalid"),
            Kind(name: "hour 24", frames: body(event(["at": #""2022-10-05T24:00:00+08:00""#])), reason: "invalid"),
            Kind(name: "month 13", frames: body(event(["at": #""2022-13-05T09:00:00+08:00""#])), reason: "invalid"),
            Kind(name: "space separator", frames: body(event(["at": #""2022-10-05 09:30:00+08:00""#])), reason: "invalid"),
            Kind(name: "no offset", frames: body(event(["at": #""2022-10-05T09:30:00""#])), reason: "invalid"),
            Kind(name: "offset +24:00", frames: body(event(["at": #""2022-10-05T09:30:00+24:00""#])), reason: "invalid"),
            Kind(name: "before 2000", frames: body(event(["at": #""1999-12-31T23:59:59Z""#])), reason: "invalid"),
            Kind(name: "year 2999", frames: body(event(["at": #""2999-01-01T00:00:00Z""#])), reason: "invalid"),
            Kind(name: "at is a number", frames: body(event(["at": "1664933400"])), reason: "invalid"),
            Kind(name: "region of 5 digits", frames: body(event(["region": #""37081""#])), reason: "invalid"),
            Kind(name: "region is a number", frames: body(event(["region": "370812"])), reason: "invalid"),
            Kind(name: "region with letters", frames: body(event(["region": #""37081A""#])), reason: "invalid"),
            Kind(name: "agency of 33 characters", frames: body(event(["agency": "\"" + String(repeating: "a", count: 33) + "\""])), reason: "invalid"),
            Kind(name: "filed without channel", frames: body(event(["channel": nil])), reason: "invalid"),
            Kind(name: "decided without decision", frames: body(event(["type": #""decided""#, "channel": nil])), reason: "invalid"),
            Kind(name: "unknown decision", frames: body(event(["type": #""decided""#, "decision": #""lenient""#])), reason: "invalid"),
            Kind(name: "unknown reason", frames: body(event(["reason": #""bored""#])), reason: "invalid"),
            Kind(name: "fine over 10^12", frames: body(event(["fine_fen": "1000000000001"])), reason: "invalid"),
            Kind(name: "fine 1e3", frames: body(event(["fine_fen": "1e3"])), reason: "invalid"),
            Kind(name: "waived negative", frames: body(event(["waived_fen": "-5"])), reason: "invalid"),
            Kind(name: "waived of 30 digits", frames: body(event(["waived_fen": String(repeating: "9", count: 30)])), reason: "invalid"),
            Kind(name: "case of 129 characters", frames: body(event(["case": "\"" + String(repeating: "c", count: 129) + "\""])), reason: "invalid"),
            Kind(name: "subject of 65 characters", frames: body(event(["subject": "\"" + String(repeating: "s", count: 65) + "\""])), reason: "invalid"),
            Kind(name: "escaped lone surrogate", frames: body(event(["subject": #""\ud800""#])), reason: "malformed"),
        ]
        // A flood: thousands of small bad messages as fast as the sockets take them, 500 at a time.
        kinds.append(Kind(name: "flood of '{'", frames: body("{"), reason: "malformed", repetitions: 5000))
        return kinds
    }()

    /// Sends every kind on the reliable path and checks each NACK; returns the refusals expected.
    static func reliableRound(_ daemon: DaemonProcess, context: Context) throws -> [String: Int] {
        let dealer = try Socket(context, .dealer)
        defer { dealer.close(linger: 0) }
        try dealer.setReceiveTimeout(20_000)
        try dealer.setSendHighWaterMark(0)
        try dealer.setReceiveHighWaterMark(0)
        try dealer.connect(daemon.reliable)
        var expected: [String: Int] = [:]
        for kind in kinds {
            var reasons: [String: Int] = [:]
            var ids: Set<String> = []
            for burst in kind.bursts {
                for _ in burst { _ = try dealer.send(multipart: kind.frames) }
                for _ in burst {
                    guard let reply = try dealer.receiveMultipart() else { throw DaemonError("no reply for \(kind)") }
                    let text = reply.map { String(decoding: $0, as: UTF8.self) }
                    reasons[text.count == 4 && text[0] == "NACK" ? text[2] : "not a NACK: \(text.prefix(3))", default: 0] += 1
                    if text.count == 4 { ids.insert(text[1]) }
                }
            }
            #expect(reasons == [kind.reason: kind.repetitions], "\(kind.name)")
            // PROTOCOL.md §2.1: a NACK names the event's id when one could be read — every field
            // check runs on an event whose id is read.
            if kind.reason == "invalid", kind.frames.count == 2,
               String(decoding: kind.frames[1], as: UTF8.self).hasPrefix(#"{"id":"h-1","#) {
                #expect(ids == ["h-1"], "\(kind.name)")
            }
            expected[kind.reason, default: 0] += kind.repetitions
        }
        return expected
    }

    /// Sends every kind on the best-effort path (after the daemon's subscription arrived), a burst
    /// at a time, each received before the next is sent.
    static func bestEffortRound(_ daemon: DaemonProcess, context: Context) throws -> [String: Int] {
        let publisher = try Socket(context, .xpub)
        defer { publisher.close(linger: 5000) }
        try publisher.setSendHighWaterMark(0)
        try publisher.setXPubNoDrop(true)
        try publisher.setReceiveTimeout(10_000)
        try publisher.connect(daemon.ingest)
        guard try publisher.receiveMultipart() != nil else { throw DaemonError("the daemon did not subscribe") }
        var expected: [String: Int] = [:]
        var received = try ingest(daemon).received
        for kind in kinds {
            for burst in kind.bursts {
                for _ in burst { _ = try publisher.send(multipart: kind.frames) }
                received += burst.count
                guard try waitForReceived(received, daemon, poll: .milliseconds(2)).received >= received else {
                    throw DaemonError("\(kind): the daemon did not receive a burst")
                }
            }
            expected[kind.reason, default: 0] += kind.repetitions
        }
        return expected
    }

    static func ingest(_ daemon: DaemonProcess) throws -> (received: Int, byReason: [String: Int]) {
        let value = try #require(try daemon.snapshot(subtree: "/sys/ingest").values["/sys/ingest"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any])
        return (object["received"] as? Int ?? -1, object["rejected_by_reason"] as? [String: Int] ?? [:])
    }

    /// Waits until `/sys/ingest` has received `count` messages, asking every `poll`.
    static func waitForReceived(
        _ count: Int, _ daemon: DaemonProcess, poll: Duration = .milliseconds(100)
    ) throws -> (received: Int, byReason: [String: Int]) {
        let deadline = ContinuousClock.now + .seconds(60)
        var figures = try ingest(daemon)
        while figures.received < count, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: Double(poll.components.attoseconds) / 1e18 + Double(poll.components.seconds))
            figures = try ingest(daemon)
        }
        return figures
    }

    /// Peak resident memory of the daemon (VmHWM), in kB.
    static func peakMemory(_ daemon: DaemonProcess) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }

    @Test func everyKindIsRefusedWithItsReasonOnBothPathsAndNothingMoves() throws {
        #expect(Set(Self.kinds.map(\.name)).count == Self.kinds.count)
        #expect(Self.kinds.count >= 30)
        let daemon = try DaemonProcess(arguments: ["--publish-interval", "0"])
        defer { daemon.terminate() }
        let context = try Context()

        // Figures to watch: two accepted events.
        let good = [
            #"{"id":"g-1","producer":"good-app","seq":1,"type":"filed","case":"gc-1","at":"2022-10-05T09:30:00+08:00","region":"370812101","agency":"scjg","channel":"online","subject":"91370812MA3C5XXXXX"}"#,
            #"{"id":"g-2","producer":"good-app","seq":2,"type":"decided","case":"gc-1","at":"2022-10-06T09:30:00+08:00","region":"370812","agency":"scjg","decision":"no_penalty","reason":"minor","waived_fen":5000}"#,
        ]
        #expect(try HashmapProtocolTests.sendReliably(good, to: daemon.reliable) == [["ACK", "g-1"], ["ACK", "g-2"]])
        let before = try daemon.snapshot(subtree: "").values.filter { !$0.key.hasPrefix("/sys/ingest") }

        var expected: [String: Int] = [:]
        var received = 2
        var peaks: [Int] = []
        for _ in 0..<3 {
            let reliable = try Self.reliableRound(daemon, context: context)
            let bestEffort = try Self.bestEffortRound(daemon, context: context)
            expected.merge(reliable, uniquingKeysWith: +)
            expected.merge(bestEffort, uniquingKeysWith: +)
            received += reliable.values.reduce(0, +) + bestEffort.values.reduce(0, +)
            let figures = try Self.waitForReceived(received, daemon)
            #expect(figures.received == received)
            #expect(figures.byReason.filter { $0.value > 0 } == expected)
            peaks.append(try Self.peakMemory(daemon))
        }

        let after = try daemon.snapshot(subtree: "").values.filter { !$0.key.hasPrefix("/sys/ingest") }
        #expect(after == before, "no /m/ key and no producer record moved")
        // Flat: once the first round has warmed up the buffers, identical rounds must not raise the
        // peak noticeably (a leak of even a few bytes per refusal would show over 8,600 messages).
        #expect(peaks[2] <= peaks[1] + peaks[1] / 10 + 4096, "VmHWM after each round: \(peaks) kB")
        #expect(peaks[2] <= peaks[0] * 3 / 2, "VmHWM after each round: \(peaks) kB")
        // Refusals are logged at most 10 lines a second, not once per message.
        let logged = daemon.log.split(separator: "\n").count
        #expect(logged < received / 20, "\(logged) log lines for \(received) messages")
        // Still answering, and still counting right.
        #expect(try HashmapProtocolTests.sendReliably([
            #"{"id":"g-3","producer":"good-app","seq":3,"type":"closed","case":"gc-1","at":"2022-10-07T09:30:00+08:00","region":"370812","agency":"scjg"}"#,
        ], to: daemon.reliable) == [["ACK", "g-3"]])
        let closed = try daemon.snapshot(subtree: "/m/all/@all").values["/m/all/@all"]
        #expect(closed?.contains(#""closed":1,"#) == true)
        #expect(daemon.process.isRunning)
    }
}
