import CasePulseClient
import Foundation
import Testing
import ZeroMQ

/// ``HashmapClient`` recovers the updates it missed by taking the snapshots again: after its
/// subscription reconnects (the daemon dropped its subscribers), and — mirroring everything — on
/// a gap in the sequence numbers. Against ``FakeCloneServer``, on real sockets, so that an update
/// can be lost on purpose.
@Suite struct HashmapClientResyncTests {
    @Test func aReconnectedClientTakesTheSnapshotsAgain() throws {
        let server = try FakeCloneServer()
        defer { server.stop() }
        server.set("/m/all/@all", #"{"filed":1}"#)
        let client = try HashmapClient(
            context: try Context(), snapshotEndpoint: server.snapshot, publishEndpoint: server.publish, subtree: "/m/all/")
        defer { client.close() }
        #expect(client.values["/m/all/@all"] == #"{"filed":1}"#)
        server.set("/m/all/370000/@all", #"{"filed":1}"#)
        #expect(try client.poll(until: { $0["/m/all/370000/@all"] != nil }, timeout: .seconds(5)))

        server.dropSubscribers()
        server.set("/m/all/@all", #"{"filed":2}"#, lost: true)  // published while it was away
        var changes: [HashmapClient.Change] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while client.values["/m/all/@all"] != #"{"filed":2}"#, ContinuousClock.now < deadline {
            changes += try client.poll(timeout: .milliseconds(100))
        }
        #expect(client.values["/m/all/@all"] == #"{"filed":2}"#)
        #expect(changes.map(\.key) == ["/m/all/@all"], "the snapshot reports what differs")
        #expect(client.resynchronizations == 1)
        #expect(server.snapshotRequests == 2)
        #expect(client.snapshotSequences == [3])
    }

    @Test func aGapWhileMirroringEverythingTakesTheSnapshotsAgain() throws {
        let server = try FakeCloneServer()
        defer { server.stop() }
        let context = try Context()
        let everything = try HashmapClient(
            context: context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish, subtree: "")
        let figures = try HashmapClient(
            context: context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish, subtree: "/m/")
        defer {
            everything.close()
            figures.close()
        }
        server.set("/m/all/@all", "1")
        server.set("/sys/ingest", "2", lost: true)
        server.set("/m/all/370000/@all", "3")
        #expect(try everything.poll(until: { $0["/sys/ingest"] == "2" && $0["/m/all/370000/@all"] == "3" }, timeout: .seconds(5)))
        #expect(everything.resynchronizations == 1)
        // Under a subtree the numbers of other keys are skipped all the time: no gap there.
        #expect(try figures.poll(until: { $0["/m/all/370000/@all"] == "3" }, timeout: .seconds(5)))
        #expect(figures.resynchronizations == 0)
    }
}
