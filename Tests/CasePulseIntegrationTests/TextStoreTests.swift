import CasePulseClient
import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// The engine's store of case texts filled on the real daemon (README, "a restart fits";
/// PROTOCOL.md §2.4 `too_large`), made 2 MiB by the test hook instead of 4 GiB: an event whose
/// texts would come within a 64th of its end is refused as `too_large`, a redelivery of an
/// accepted event is still acknowledged, nothing counted moves, and every way of starting again —
/// the journal replayed after a crash, the engine image of a clean stop, the case records after a
/// crash — fits the texts the live daemon held and serves the same figures.
@Suite struct TextStoreTests {
    /// A 2 MiB store: some 7,600 filings of the texts below.
    static let environment = ["CASEPULSE_TEST_HOOKS": "1", "CASEPULSE_TEST_TEXT_CHUNKS": "2"]
    /// Checkpoints every 1,000 events, so that a crash leaves records and a journal.
    static let arguments = ["--day-retention", "0", "--checkpoint-events", "1000"]

    /// Filing `number`: an id of 100 characters, its case's of 105 and a subject of 64, some
    /// 270 bytes of texts.
    static func filing(_ number: Int) -> (id: String, frames: [[UInt8]]) {
        let id = "store-\(number)-" + String(repeating: "x", count: 100 - "store-\(number)-".count)
        let subject = "91370812MA\(number)" + String(repeating: "S", count: 54 - "\(number)".count)
        let json = Filing.event(id, producer: "store-app").json.dropLast() + #","subject":"\#(subject)"}"#
        return (id, [Array("case.v1".utf8), Array(json.utf8)])
    }

    /// The `/m/all/@all` figures and `/sys/ingest` counters `daemon` serves.
    static func served(_ daemon: DaemonProcess) throws -> (all: String?, ingest: [String: Any]) {
        let values = try daemon.snapshot(subtree: "").values
        let ingest = try #require(values["/sys/ingest"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ingest.utf8)) as? [String: Any])
        return (values["/m/all/@all"], object)
    }

    /// The store filled on the best-effort path, where the daemon applies each batch it receives
    /// whole while the store has room for all of it, and checks event by event when not: every
    /// filing is accepted or refused as `too_large`, the accepted are the first ones sent (the
    /// last of them is a redelivery, the next still refused), and the figures count them.
    @Test func aFullStoreRefusesNewTextsOnTheBestEffortPathToo() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-texts")
        let daemon = try DaemonProcess(arguments: Self.arguments, directory: directory, environment: Self.environment)
        defer { daemon.terminate() }
        let context = try Context()
        let publisher = try EventPublisher(context: context, endpoint: daemon.ingest)
        defer { publisher.close() }
        // More than the store holds (some 7,600), fewer than a queue holds.
        let sent = 9_000
        for number in 0..<sent { try publisher.send(body: Self.filing(number).frames[1]) }
        let received = try HostileInputTests.waitForReceived(sent, daemon)
        #expect(received.received == sent)
        let served = try Self.served(daemon)
        let accepted = try #require(served.ingest["accepted"] as? Int)
        let refused = received.byReason["too_large"] ?? 0
        #expect(accepted > 5_000 && accepted + refused == sent, "\(accepted) accepted, \(refused) refused: \(received.byReason)")
        #expect(served.all?.contains(#""filed":\#(accepted),"#) == true, "\(served.all ?? "no /m/all/@all")")
        let answers = try HashmapProtocolTests.replies(to: [Self.filing(accepted - 1).frames, Self.filing(accepted).frames], at: daemon.reliable)
        #expect(answers.first??.prefix(2) == ["ACK", Self.filing(accepted - 1).id], "the last accepted: \(String(describing: answers.first))")
        #expect(answers.last??.prefix(3) == ["NACK", Self.filing(accepted).id, "too_large"], "the first refused: \(String(describing: answers.last))")
        #expect(try daemon.ingestCounter("duplicates") == 1)
    }

    @Test func aFullStoreRefusesNewTextsAcknowledgesRedeliveriesAndEveryRestartFits() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-texts")
        let daemon = try DaemonProcess(arguments: Self.arguments, directory: directory, environment: Self.environment)
        #expect(daemon.log.contains("test hook: the store of case texts holds 2 MiB"), "log: \(daemon.log)")

        // Filled, 500 at a time, until the store refuses.
        var accepted: [String] = []
        var refused = 0
        var number = 0
        while refused == 0, number < 20_000 {
            let batch = (number..<number + 500).map(Self.filing)
            let answers = try HashmapProtocolTests.replies(to: batch.map(\.frames), at: daemon.reliable)
            for (filing, answer) in zip(batch, answers) {
                if answer?.prefix(2) == ["ACK", filing.id] {
                    #expect(refused == 0, "\(filing.id) accepted after a refusal")
                    accepted.append(filing.id)
                } else {
                    #expect(answer?.prefix(3) == ["NACK", filing.id, "too_large"], "\(String(describing: answer))")
                    #expect(answer?.last == "the daemon's store of case texts is full (2 MiB): it takes no new texts")
                    refused += 1
                }
            }
            number += 500
        }
        #expect(accepted.count > 5_000 && refused > 0, "\(accepted.count) accepted, \(refused) refused")

        // A redelivery of an accepted event adds no text: acknowledged, counted once.
        let redelivered = [0, accepted.count - 1].map { Self.filing($0).frames }
        #expect(try HashmapProtocolTests.replies(to: redelivered, at: daemon.reliable).map { $0.map { Array($0.prefix(2)) } }
            == [["ACK", accepted[0]], ["ACK", accepted[accepted.count - 1]]])
        let live = try Self.served(daemon)
        #expect(live.ingest["accepted"] as? Int == accepted.count)
        #expect(live.ingest["duplicates"] as? Int == 2)
        #expect((live.ingest["rejected_by_reason"] as? [String: Int])?["too_large"] == refused)
        #expect(live.all?.contains(#""filed":\#(accepted.count),"#) == true, "\(live.all ?? "no /m/all/@all")")
        #expect(daemon.log.contains("too_large"), "the refusals are logged")

        // A crash: the records of the checkpoints and the journal after them.
        #expect(daemon.terminate(signal: SIGKILL) == -1 || !daemon.process.isRunning)
        let replayed = try DaemonProcess(arguments: Self.arguments, directory: directory, environment: Self.environment)
        #expect(try Self.served(replayed).all == live.all, "after a crash; log: \(replayed.log.suffix(2000))")
        #expect(try HashmapProtocolTests.replies(to: [Self.filing(1).frames], at: replayed.reliable).first??.first == "ACK")

        // A clean stop and its engine image.
        #expect(replayed.terminate() == 0, "log: \(replayed.log.suffix(2000))")
        let imaged = try DaemonProcess(arguments: Self.arguments, directory: directory, environment: Self.environment)
        #expect(imaged.log.contains("from the engine image"), "log: \(imaged.log.suffix(2000))")
        #expect(try Self.served(imaged).all == live.all, "from the image")

        // A crash after the clean stop's checkpoint: every case from its record.
        #expect(imaged.terminate(signal: SIGKILL) == -1 || !imaged.process.isRunning)
        let restored = try DaemonProcess(arguments: Self.arguments, directory: directory, environment: Self.environment)
        defer { restored.terminate() }
        #expect(!restored.log.contains("from the engine image"), "log: \(restored.log.suffix(2000))")
        #expect(try Self.served(restored).all == live.all, "from the records")
    }
}
