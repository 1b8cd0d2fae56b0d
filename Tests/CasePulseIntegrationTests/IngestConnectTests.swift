import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// `--ingest-connect`: the daemon's SUB connects to a producer's PUB bind (CONTRACT.md), and
/// what that PUB sends counts as what a PUB connected to `--ingest` sends.
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
}
