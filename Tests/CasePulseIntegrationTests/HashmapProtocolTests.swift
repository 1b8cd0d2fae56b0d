import CasePulseWire
import Foundation
import Testing
import ZeroMQ

/// The CHP server side of RFC 12 against real sockets.
@Suite struct HashmapProtocolTests {
    static let filing = #"{"id":"e1","producer":"p1","seq":1,"type":"filed","case":"c1","at":"2022-10-05T10:00:00+08:00","region":"370812101","agency":"scjg","channel":"online","subject":"A"}"#
    static let decision = #"{"id":"e2","producer":"p1","seq":2,"type":"decided","case":"c1","at":"2022-10-06T10:00:00+08:00","region":"370812","agency":"scjg","decision":"no_penalty","reason":"minor","waived_fen":5000}"#
    static let void = #"{"id":"e3","producer":"p1","seq":3,"type":"voided","case":"c1","at":"2022-10-07T10:00:00+08:00","region":"370812","agency":"scjg"}"#

    /// Sends events on the reliable path and returns the replies.
    static func sendReliably(_ events: [String], to endpoint: String) throws -> [[String]] {
        try replies(to: events.map { [Array("case.v1".utf8), Array($0.utf8)] }, at: endpoint).map { reply in
            guard let reply else { throw DaemonError("no reply") }
            return reply
        }
    }

    /// Sends `messages` in one go from a fresh DEALER connected to `endpoint` and returns each
    /// reply's frames as text; nil for one not answered within `timeout` milliseconds, and for
    /// every one after it.
    static func replies(to messages: [[[UInt8]]], at endpoint: String, timeout: Int32 = 10_000) throws -> [[String]?] {
        let context = try Context()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close(linger: 0) }
        try dealer.setReceiveTimeout(timeout)
        try dealer.connect(endpoint)
        for message in messages { _ = try dealer.send(multipart: message) }
        var answers: [[String]?] = []
        for _ in messages {
            guard let reply = try dealer.receiveMultipart() else { break }
            answers.append(reply.map { String(decoding: $0, as: UTF8.self) })
        }
        return answers + Array(repeating: nil, count: messages.count - answers.count)
    }

    @Test func snapshotsFilterBySubtreeAndEndWithTheCurrentSequence() throws {
        let daemon = try DaemonProcess(arguments: ["--day-retention", "0"])
        defer { daemon.terminate() }
        #expect(try Self.sendReliably([Self.filing, Self.decision], to: daemon.reliable) == [["ACK", "e1"], ["ACK", "e2"]])
        let everything = try daemon.snapshot(subtree: "")
        let town = try daemon.snapshot(subtree: "/m/all/370000/370800/370812/370812101/")
        #expect(Set(town.values.keys) == ["/m/all/370000/370800/370812/370812101/@all", "/m/all/370000/370800/370812/370812101/@scjg"])
        #expect(everything.values.keys.contains("/sys/ingest"))
        #expect(everything.values.keys.contains("/m/2022-10-06/370000/370800/370812/@scjg"))
        #expect(town.sequence >= everything.sequence)
        let county = try #require(everything.values["/m/all/370000/370800/370812/@all"])
        #expect(county.contains(#""filed":1,"#) && county.contains(#""no_penalty":1,"#) && county.contains(#""beneficiaries":1,"#))
        #expect(county.contains(#""waived_fen":5000,"#) && county.contains(#""no_penalty_by_reason":{"minor":1,"#))
        // The town saw the filing but not the decision (placed on the county code).
        let townValue = try #require(town.values["/m/all/370000/370800/370812/370812101/@all"])
        #expect(townValue.contains(#""filed":1,"#) && townValue.contains(#""decided":0,"#))
    }

    @Test func updatesCarryIncreasingSequencesHeartbeatsAndDeletions() throws {
        let daemon = try DaemonProcess(arguments: ["--day-retention", "0", "--publish-interval", "20"])
        defer { daemon.terminate() }
        let context = try Context()
        let subscriber = try Socket(context, .sub)
        defer { subscriber.close(linger: 0) }
        try subscriber.subscribe("/m/all/@all")
        try subscriber.subscribe("HUGZ")
        try subscriber.setReceiveTimeout(5000)
        try subscriber.connect(daemon.publish)
        // Let the subscription reach the daemon (a HUGZ proves the connection is up).
        var sawHeartbeat = false
        var updates: [(UInt64, String?)] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while !sawHeartbeat, ContinuousClock.now < deadline {
            guard let frames = try subscriber.receiveMultipart() else { continue }
            if case .heartbeat? = ClusteredHashmap.Command(frames: frames) {
                sawHeartbeat = true
                #expect(frames.count == 5 && frames[1] == [UInt8](repeating: 0, count: 8))
            }
        }
        #expect(sawHeartbeat)
        func receiveUpdate() throws -> (UInt64, String?)? {
            while ContinuousClock.now < deadline {
                guard let frames = try subscriber.receiveMultipart() else { continue }
                if case .keyValue(let key, let sequence, let value)? = ClusteredHashmap.Command(frames: frames) {
                    #expect(key == "/m/all/@all")
                    return (sequence, value)
                }
            }
            return nil
        }
        _ = try Self.sendReliably([Self.filing, Self.decision], to: daemon.reliable)
        // The filing and the decision may be published together or one after the other.
        while let update = try receiveUpdate() {
            updates.append(update)
            if update.1?.contains(#""no_penalty":1,"#) == true { break }
        }
        #expect(updates.last?.1?.contains(#""no_penalty":1,"#) == true, "updates: \(updates)")
        _ = try Self.sendReliably([Self.void], to: daemon.reliable)
        if let update = try receiveUpdate() { updates.append(update) }
        #expect(updates.count >= 2 && updates.count <= 3, "updates: \(updates)")
        #expect(zip(updates, updates.dropFirst()).allSatisfy { $0.0 < $1.0 })
        #expect(updates.last?.1 == nil, "the void deletes the key")
        let after = try daemon.snapshot(subtree: "/m/")
        #expect(after.values.isEmpty)
        #expect(after.sequence >= (updates.last?.0 ?? .max))
    }

    /// PROTOCOL.md §5.1: each KVSYNC carries the sequence number of its key's last change — the
    /// one its last KVPUB carried; §5.2: a HUGZ every second.
    @Test func snapshotSequencesAreEachKeysLastChangeAndHeartbeatsComeEverySecond() throws {
        let daemon = try DaemonProcess(arguments: ["--day-retention", "0", "--publish-interval", "0"])
        defer { daemon.terminate() }
        let context = try Context()
        let subscriber = try Socket(context, .sub)
        defer { subscriber.close(linger: 0) }
        try subscriber.subscribe("/m/")
        try subscriber.subscribe("HUGZ")
        try subscriber.connect(daemon.publish)
        try #require(try subscriber.awaitHeartbeat(), "no heartbeat")
        try subscriber.setReceiveTimeout(500)
        /// Reads for `duration`: the last sequence published per key, and the heartbeats seen.
        func read(for duration: Duration, into last: inout [String: UInt64]) throws -> Int {
            var heartbeats = 0
            let until = ContinuousClock.now + duration
            while ContinuousClock.now < until {
                guard let frames = try subscriber.receiveMultipart() else { continue }
                switch ClusteredHashmap.Command(frames: frames) {
                case .heartbeat?: heartbeats += 1
                case .keyValue(let key, let sequence, _)?: last[key] = sequence
                default: continue
                }
            }
            return heartbeats
        }
        var last: [String: UInt64] = [:]
        // Three batches, each changing some keys of the ones before and some new ones.
        _ = try Self.sendReliably([Self.filing], to: daemon.reliable)
        _ = try Self.sendReliably([Self.decision], to: daemon.reliable)
        _ = try Self.sendReliably([Filing.event("e9", producer: "p1", seq: 4, region: "370811001").json], to: daemon.reliable)
        let heartbeats = try read(for: .milliseconds(3500), into: &last)
        #expect(heartbeats >= 3 && heartbeats <= 5, "\(heartbeats) heartbeats in 3.5 s")

        var synced: [String: UInt64] = [:]
        for frames in try Self.snapshotFrames(of: daemon, subtree: "/m/") {
            if case .keyValue(let key, let sequence, _)? = ClusteredHashmap.Command(frames: frames) { synced[key] = sequence }
        }
        #expect(!synced.isEmpty && Set(synced.values).count > 2, "\(synced)")
        #expect(synced == last, "KVSYNC sequences differ from the last KVPUB's: \(synced.filter { last[$0.key] != $0.value })")
    }

    /// PROTOCOL.md §5.1: a request that is not exactly `["ICANHAZ?", subtree]` is ignored —
    /// nothing is sent back — and logged at `notice`; the daemon answers the next client.
    @Test func junkOnTheSnapshotSocketIsIgnoredAndTheDaemonStillAnswers() throws {
        let daemon = try DaemonProcess()
        defer { daemon.terminate() }
        let context = try Context()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close(linger: 0) }
        try dealer.setReceiveTimeout(1000)
        try dealer.connect(daemon.snapshot)
        _ = try dealer.send(multipart: [Array("GIMME".utf8)])
        _ = try dealer.send(multipart: [Array("ICANHAZ?".utf8), [], []])
        _ = try dealer.send(multipart: [[0xff, 0xfe]])
        #expect(try dealer.receiveMultipart() == nil, "junk was answered")
        let answer = try daemon.snapshot(subtree: "/sys/")
        #expect(answer.values["/sys/ingest"] != nil)
        let ignored = daemon.log.split(separator: "\n").filter { $0.contains("NOTICE") && $0.contains("ignored a snapshot request that is not ICANHAZ?") }
        #expect(ignored.count == 3, "log: \(daemon.log)")
    }

    /// The frames of each message answering `["ICANHAZ?", subtree]`, as received, the KTHXBAI
    /// last (or fewer, when an answer stops for 10 s).
    static func snapshotFrames(of daemon: DaemonProcess, subtree: String) throws -> [[[UInt8]]] {
        let context = try Context()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close(linger: 0) }
        try dealer.setReceiveTimeout(10_000)
        try dealer.connect(daemon.snapshot)
        _ = try dealer.send(multipart: [Array("ICANHAZ?".utf8), Array(subtree.utf8)])
        var messages: [[[UInt8]]] = []
        while let frames = try dealer.receiveMultipart() {
            messages.append(frames)
            if frames.first == Array("KTHXBAI".utf8) { break }
        }
        return messages
    }

    /// A sequence number as RFC 12 sends it: 8 bytes, most significant first.
    static func bigEndian(_ number: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: number >> (56 - 8 * UInt64($0))) }
    }

    /// PROTOCOL.md §5.1 and CONTRACT.md: frame layouts are RFC 12's exactly — KVSYNC `[key,
    /// sequence, "", "", value]`, KTHXBAI `["KTHXBAI", sequence, "", "", subtree]`, sequences 8
    /// bytes in network order — as a client of another implementation reads them byte for byte;
    /// §5.2: sequence numbers start at 1 in a new daemon, every change taking the next.
    @Test func framesAreRFC12sByteForByteAndSequencesStartAtOne() throws {
        let daemon = try DaemonProcess(arguments: ["--day-retention", "0", "--publish-interval", "0"])
        defer { daemon.terminate() }
        func request(_ subtree: String) throws -> [[[UInt8]]] { try Self.snapshotFrames(of: daemon, subtree: subtree) }
        let fresh = try request("/sys/")
        #expect(fresh.last == [Array("KTHXBAI".utf8), Self.bigEndian(0), [], [], Array("/sys/".utf8)])
        #expect(fresh.contains([Array("/sys/snapshots".utf8), Self.bigEndian(0), [], [], Array(#"{"refused":0}"#.utf8)]))

        #expect(try Self.sendReliably([Self.filing], to: daemon.reliable) == [["ACK", "e1"]])
        let after = try request("")
        let end = try #require(after.last)
        #expect(end.count == 5 && end[0] == Array("KTHXBAI".utf8) && end[2].isEmpty && end[3].isEmpty && end[4].isEmpty)
        let entries = after.dropLast()
        #expect(entries.allSatisfy { $0.count == 5 && $0[1].count == 8 && $0[2].isEmpty && $0[3].isEmpty && !$0[4].isEmpty })
        // The first event changed every key it counts under and two /sys/ keys, once each.
        let sequences = entries.filter { $0[0] != Array("/sys/snapshots".utf8) }
            .map { $0[1].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }.sorted()
        #expect(sequences.count > 10 && sequences == Array(1...UInt64(sequences.count)), "\(sequences)")
        #expect(end[1] == Self.bigEndian(UInt64(sequences.count)))
        let one = try request("/m/all/@all")
        #expect(one.count == 2 && one[1] == [Array("KTHXBAI".utf8), end[1], [], [], Array("/m/all/@all".utf8)], "\(one)")
        #expect(one.first?[0] == Array("/m/all/@all".utf8) && entries.contains { $0 == one.first })
    }
}
