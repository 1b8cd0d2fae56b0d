import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// `--ingest-connect`: the daemon's SUB connects to a producer's PUB bind (CONTRACT.md), and
/// what that PUB sends counts as what a PUB connected to `--ingest` sends; and every ingest
/// endpoint of a repeated flag is served.
@Suite struct IngestConnectTests {
    @Test func theDaemonSubscribesToAProducersBindAndCountsWhatItSends() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-connect")
        let endpoint = "ipc://\(scratch.path)/producer"
        let context = try Context()
        let producer = try Socket(context, .xpub)
        defer { producer.close(linger: 0) }
        try producer.setLinger(0)
        try producer.setXPubNoDrop(true)
        try producer.setReceiveTimeout(20_000)
        try producer.bind(endpoint)

        let daemon = try DaemonProcess(arguments: ["--ingest-connect", endpoint, "--publish-interval", "0"])
        defer { daemon.terminate() }
        // The daemon's subscription to everything: one frame, 0x01 and an empty prefix.
        let subscription = try #require(try producer.receiveMultipart(), "no subscription within 20 s")
        #expect(subscription == [[1]])

        let count = 25
        for index in 0..<count {
            let body = Filing.event("c\(index)", producer: "bound-app").json
            _ = try producer.send(multipart: [Array("case.v1".utf8), Array(body.utf8)])
        }
        let deadline = ContinuousClock.now + .seconds(10)
        var all = ""
        while ContinuousClock.now < deadline {
            all = try daemon.snapshot(subtree: "/m/all/@all").values["/m/all/@all"] ?? ""
            if all.contains(#""filed":\#(count),"#) { break }
            usleep(20_000)
        }
        #expect(all.contains(#""filed":\#(count),"#), "\(all)")
        let producers = try daemon.snapshot(subtree: "/sys/producers/bound-app").values
        #expect(producers["/sys/producers/bound-app"]?.hasPrefix(#"{"events":\#(count),"#) == true, "\(producers)")
    }

    /// CONTRACT.md and PROTOCOL.md §1: `--ingest`, `--ingest-connect` and `--reliable` are
    /// repeatable. Events sent through the second of each are counted like the first's.
    @Test func everyEndpointOfARepeatedFlagIsServed() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-repeated")
        let context = try Context()
        var producers: [Socket] = []
        defer { for producer in producers { producer.close(linger: 0) } }
        for name in ["bound-1", "bound-2"] {
            let producer = try Socket(context, .xpub)
            try producer.setXPubNoDrop(true)
            try producer.setReceiveTimeout(20_000)
            try producer.bind("ipc://\(scratch.path)/\(name)")
            producers.append(producer)
        }
        let secondIngest = "ipc://\(scratch.path)/ingest-2", secondReliable = "ipc://\(scratch.path)/reliable-2"
        let daemon = try DaemonProcess(arguments: [
            "--ingest", secondIngest, "--reliable", secondReliable, "--publish-interval", "0",
            "--ingest-connect", "ipc://\(scratch.path)/bound-1", "--ingest-connect", "ipc://\(scratch.path)/bound-2",
        ])
        defer { daemon.terminate() }
        let topic = Array("case.v1".utf8)

        // Best effort: the two producers' binds and the second --ingest.
        let connecting = try Socket(context, .xpub)
        defer { connecting.close(linger: 0) }
        try connecting.setXPubNoDrop(true)
        try connecting.setReceiveTimeout(20_000)
        try connecting.connect(secondIngest)
        for (index, producer) in (producers + [connecting]).enumerated() {
            try #require(try producer.receiveMultipart() != nil, "the daemon did not subscribe to producer \(index)")
            _ = try producer.send(multipart: [topic, Array(Filing.event("best-\(index)", producer: "repeat-app").json.utf8)])
        }
        // Reliable: the second --reliable answers.
        let replies = try HashmapProtocolTests.replies(
            to: [[topic, Array(Filing.event("reliable", producer: "repeat-app").json.utf8)]], at: secondReliable)
        #expect(replies == [["ACK", "reliable"]], "no reply on the second --reliable")

        let deadline = ContinuousClock.now + .seconds(10)
        var accepted = 0
        repeat {
            accepted = try daemon.ingestCounter("accepted")
            if accepted < 4 { usleep(20_000) }
        } while accepted < 4 && ContinuousClock.now < deadline
        #expect(accepted == 4)
    }
}
