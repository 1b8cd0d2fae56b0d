import CasePulseTestKit
import CasePulseCore
import CasePulseWire
import Foundation
import Logging
import Testing
import ZeroMQ

@testable import CasePulseServer

/// The publish thread on a real XPUB → SUB pair over ipc: batches handed over while the thread is
/// behind are merged without losing or reordering a change, and the subscriptions it reads are
/// what subscribers hold.
@Suite struct PublisherThreadTests {
    /// An XPUB bound to an ipc endpoint in a fresh temporary directory (hold it while in use).
    private func boundPublisher() throws -> (TemporaryDirectory, String, Context, Socket) {
        let directory = try TemporaryDirectory(prefix: "casepulse-pub")
        let endpoint = "ipc://\(directory.path)/publish"
        let context = try Context()
        let publisher = try Socket(context, .xpub)
        try publisher.setLinger(1000)
        try publisher.bind(endpoint)
        return (directory, endpoint, context, publisher)
    }

    @Test func batchesHandedOverWhileTheThreadIsBehindLeaveInOrder() throws {
        let (directory, endpoint, context, publisher) = try boundPublisher()
        defer { withExtendedLifetime(directory) {} }
        let subscriber = try Socket(context, .sub)
        try subscriber.setLinger(0)
        try subscriber.setReceiveTimeout(5000)
        try subscriber.subscribe("")
        try subscriber.connect(endpoint)
        Thread.sleep(forTimeInterval: 0.3)  // let the subscription arrive

        let thread = try PublisherThread(socket: publisher, endpoint: endpoint, logger: Logger(label: "test"))
        var figures = Aggregate().figures
        var expected: [[UInt8]] = []
        // Three batches before the thread starts: the second and third are appended to the first.
        for round in 0..<3 {
            var batch = PublisherThread.Batch()
            for k in 0..<5 {
                let sequence = UInt64(round * 10 + k + 1)
                let key = Array("/m/all/37\(round)\(k)/@all".utf8)
                figures.filed = Int64(sequence)
                var json = JSONBytes()
                figures.write(to: &json)
                key.withUnsafeBytes { batch.append(key: $0, sequence: sequence, value: .figures(figures)) }
                expected.append(key + json.bytes)
            }
            let sys = Array("{\"round\":\(round)}".utf8)
            Array("/sys/ingest".utf8).withUnsafeBytes { key in
                sys.withUnsafeBytes { batch.append(key: key, sequence: UInt64(round * 10 + 9), value: .json($0)) }
            }
            expected.append(Array("/sys/ingest".utf8) + sys)
            thread.hand(&batch)
            #expect(batch.isEmpty)
        }
        thread.start()
        var received: [[UInt8]] = []
        var sequences: [UInt64] = []
        while received.count < expected.count, let frames = try subscriber.receiveMultipart() {
            #expect(frames.count == 5)
            guard frames.count == 5 else { break }
            received.append(frames[0] + frames[4])
            sequences.append(frames[1].reduce(0) { $0 << 8 | UInt64($1) })
        }
        thread.finish()
        subscriber.close()
        #expect(received == expected)
        #expect(sequences == sequences.sorted())
    }

    /// A change costs a batch 32 bytes and its key's and packed value's bytes: a bulk load's
    /// batches of every changed figure stay a fraction of what whole figures per item took.
    @Test func aChangeOfFiguresTakesAFewDozenBytes() {
        #expect(MemoryLayout<PublisherThread.Item>.stride == 32)
        var batch = PublisherThread.Batch()
        var figures = Aggregate().figures
        figures.filed = 120
        figures.decided = 100
        figures.fineFen = 1_234_500
        let key = Array("/m/2022-03-01/370000/370800/370812/@scjg".utf8)
        for sequence in 1...1_000 {
            key.withUnsafeBytes { batch.append(key: $0, sequence: UInt64(sequence), value: .figures(figures)) }
        }
        let perChange = (batch.bytes.count + batch.items.count * MemoryLayout<PublisherThread.Item>.stride) / 1_000
        #expect(perChange <= key.count + 32 + 24, "\(perChange) B per change")
    }

    @Test func subscriptionsFollowWhatSubscribersHold() throws {
        let (directory, endpoint, context, publisher) = try boundPublisher()
        defer { withExtendedLifetime(directory) {} }
        let thread = try PublisherThread(socket: publisher, endpoint: endpoint, logger: Logger(label: "test"))
        thread.start()
        defer { thread.finish() }
        var version: UInt64 = 0
        var filter = SubscriptionFilter()
        /// Waits up to 5 s for the thread's view to satisfy `condition`.
        func waitFor(_ condition: (SubscriptionFilter) -> Bool) -> Bool {
            for _ in 0..<500 {
                if let current = thread.subscriptions(changedSince: &version) { filter = current }
                if condition(filter) { return true }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return false
        }
        func matches(_ key: String) -> Bool {
            var key = key
            return key.withUTF8 { filter.matches(UnsafeRawBufferPointer($0)) }
        }
        #expect(thread.subscriptions(changedSince: &version) == nil, "nothing subscribed yet, nothing changed")

        let first = try Socket(context, .sub)
        try first.setLinger(0)
        try first.subscribe("/m/all/370000/")
        try first.subscribe("HUGZ")
        try first.connect(endpoint)
        #expect(waitFor { $0.prefixes.count == 2 })
        #expect(matches("/m/all/370000/370800/@all"))
        #expect(!matches("/m/all/@all"))
        #expect(!matches("/sys/ingest"))

        let second = try Socket(context, .sub)
        try second.setLinger(0)
        try second.subscribe("")
        try second.connect(endpoint)
        #expect(waitFor { $0.matchesEverything })
        #expect(matches("/sys/ingest"))

        // A subscriber that goes away takes its prefixes with it.
        second.close()
        #expect(waitFor { !$0.matchesEverything })
        #expect(!matches("/sys/ingest"))
        try first.unsubscribe("/m/all/370000/")
        #expect(waitFor { $0.prefixes == [Array("HUGZ".utf8)] })
        first.close()
        #expect(waitFor { $0.isEmpty })
    }

    /// The endpoints ``PublisherThread/dropPeers(revoked:)`` must rebind: an ephemeral tcp port
    /// (rebound as resolved), an ipc path, and an `ipc://*` whose directory libzmq removes.
    static let dropEndpoints = ["tcp://127.0.0.1:*", "ipc://DIR/publish", "ipc://*"]

    /// Dropping the peers closes every subscriber's connection, and the endpoint is bound again
    /// where it was: the subscribers reconnect, resubscribe and receive what follows.
    @Test(arguments: dropEndpoints) func droppingThePeersDisconnectsEverySubscriberWhichReconnects(_ configured: String) throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-drop")
        let endpoint = configured.replacingOccurrences(of: "DIR", with: directory.path)
        let context = try Context()
        let publisher = try Socket(context, .xpub)
        try publisher.setLinger(1000)
        try publisher.bind(endpoint)
        let bound = try publisher.lastEndpoint
        let thread = try PublisherThread(socket: publisher, endpoint: endpoint, logger: Logger(label: "test"))
        thread.start()
        defer { thread.finish() }
        var version: UInt64 = 0
        func waitForSubscribers() -> Bool {
            for _ in 0..<500 {
                if thread.subscriptions(changedSince: &version)?.matchesEverything == true { return true }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return false
        }
        func publish(_ sequence: UInt64) {
            var batch = PublisherThread.Batch()
            Array("/sys/ingest".utf8).withUnsafeBytes { key in
                Array("{}".utf8).withUnsafeBytes { batch.append(key: key, sequence: sequence, value: .json($0)) }
            }
            thread.hand(&batch)
        }
        // The loop's subscription set matches everything once one subscriber's "" is in; the other's
        // may still be on its way, and an XPUB sends only to subscribed pipes. So an update is
        // published again until every subscriber has it (each sees only that sequence).
        func everySubscriberReceives(_ sequence: UInt64) throws -> Bool {
            var pending = subscribers
            let deadline = ContinuousClock.now + .seconds(5)
            while !pending.isEmpty, ContinuousClock.now < deadline {
                publish(sequence)
                pending = try pending.filter { subscriber in
                    let got = try subscriber.updates(timeout: .milliseconds(200), until: { !$0.isEmpty })
                    #expect(got.allSatisfy { $0.sequence == sequence })
                    return got.isEmpty
                }
            }
            return pending.isEmpty
        }
        // A subscriber that had an update goes on receiving its later copies, sent for the others:
        // read them until it is quiet, so that none is left queued when the next update is awaited.
        func drainCopies(of sequence: UInt64) throws {
            for subscriber in subscribers {
                while true {
                    let got = try subscriber.updates(timeout: .milliseconds(300), until: { !$0.isEmpty })
                    #expect(got.allSatisfy { $0.sequence == sequence })
                    if got.isEmpty { break }
                }
            }
        }
        let subscribers = try (0..<2).map { _ in try WatchedSubscriber(context: context, endpoint: bound) }
        #expect(waitForSubscribers())
        #expect(try everySubscriberReceives(1))
        try drainCopies(of: 1)

        thread.dropPeers(revoked: 1)
        for subscriber in subscribers {
            #expect(try subscriber.waitFor(.disconnected), "dropped")
            #expect(try subscriber.waitFor(.handshakeSucceeded, count: 2), "reconnected to \(bound)")
        }
        #expect(try publisher.lastEndpoint == bound)
        // The subscriptions went with the connections and came back with them.
        #expect(waitForSubscribers())
        #expect(try everySubscriberReceives(2))
    }

    /// PROTOCOL.md §6.4: when the endpoint cannot be bound again after the peers were dropped,
    /// the failure is logged once at `error` and the bind retried every second; once it succeeds
    /// (logged at `notice`) the subscribers reconnect.
    @Test func aRebindThatFailsIsLoggedOnceAndRetriedUntilItSucceeds() throws {
        let directory = try TemporaryDirectory(prefix: "casepulse-rebind")
        let parent = directory.path + "/sockets"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let endpoint = "ipc://\(parent)/publish"
        let context = try Context()
        let publisher = try Socket(context, .xpub)
        try publisher.setLinger(1000)
        try publisher.bind(endpoint)
        let log = RecordingLogHandler()
        let thread = try PublisherThread(socket: publisher, endpoint: endpoint, logger: log.logger())
        thread.start()
        defer { thread.finish() }
        let subscriber = try WatchedSubscriber(context: context, endpoint: endpoint)
        #expect(try subscriber.waitFor(.handshakeSucceeded))
        func lines(at level: Logger.Level, containing text: String, within timeout: Duration) -> Int {
            let deadline = ContinuousClock.now + timeout
            var count = 0
            repeat {
                count = log.lines.filter { $0.level == level && $0.message.contains(text) }.count
                if count > 0 { break }
                usleep(20_000)
            } while ContinuousClock.now < deadline
            return count
        }

        // The socket file's directory is now a plain file: binding there again cannot succeed.
        try FileManager.default.removeItem(atPath: parent)
        #expect(FileManager.default.createFile(atPath: parent, contents: Data()))
        thread.dropPeers(revoked: 1)
        #expect(try subscriber.waitFor(.disconnected), "dropped")
        #expect(lines(at: .error, containing: "cannot bind the updates endpoint again", within: .seconds(5)) == 1, "\(log.lines)")
        // Retried every second meanwhile, and said once.
        Thread.sleep(forTimeInterval: 2.5)
        #expect(lines(at: .error, containing: "cannot bind the updates endpoint again", within: .zero) == 1, "\(log.lines)")
        #expect(lines(at: .notice, containing: "is bound again", within: .zero) == 0)

        try FileManager.default.removeItem(atPath: parent)
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        #expect(lines(at: .notice, containing: "\(parent)/publish is bound again", within: .seconds(5)) == 1, "\(log.lines)")
        #expect(try subscriber.waitFor(.handshakeSucceeded, count: 2, timeout: .seconds(10)), "reconnected")
    }
}

/// The subscription set as XPUB messages build it, and prefix matching.
@Suite struct SubscriptionFilterTests {
    private func apply(_ filter: inout SubscriptionFilter, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { filter.apply($0) }
    }

    private func matches(_ filter: SubscriptionFilter, _ key: String) -> Bool {
        var key = key
        return key.withUTF8 { filter.matches(UnsafeRawBufferPointer($0)) }
    }

    @Test func subscribeAndUnsubscribeMessagesEditTheSet() {
        var filter = SubscriptionFilter()
        #expect(!matches(filter, "/m/all/@all"))
        #expect(apply(&filter, [1] + Array("/m/2022/".utf8)))
        #expect(!apply(&filter, [1] + Array("/m/2022/".utf8)), "a prefix held twice is one entry")
        #expect(matches(filter, "/m/2022/370000/@all"))
        #expect(matches(filter, "/m/2022/"))
        #expect(!matches(filter, "/m/2022"), "a key shorter than the prefix does not match")
        #expect(!matches(filter, "/m/2021/370000/@all"))
        #expect(apply(&filter, [0] + Array("/m/2022/".utf8)))
        #expect(filter.isEmpty)
        #expect(!matches(filter, "/m/2022/370000/@all"))
    }

    @Test func theEmptyPrefixMatchesEveryKey() {
        var filter = SubscriptionFilter()
        #expect(apply(&filter, [1]))
        #expect(filter.matchesEverything)
        #expect(matches(filter, ""))
        #expect(matches(filter, "/sys/producers/x"))
        #expect(apply(&filter, [0]))
        #expect(!filter.matchesEverything)
    }

    /// The server names the changed figures' keys only while some prefix can match one of them.
    @Test func figuresAreWantedOnlyUnderAPrefixThatCanMatchThem() {
        var filter = SubscriptionFilter()
        #expect(!filter.mayMatchFigures)
        _ = apply(&filter, [1] + Array("/sys/ingest".utf8))
        _ = apply(&filter, [1] + Array("/mx".utf8))
        #expect(!filter.mayMatchFigures, "/sys/ and a prefix beside /m/ cannot match a figure")
        for prefix in ["/m/2022/370000/", "/m/", "/m", "/", ""] {
            _ = apply(&filter, [1] + Array(prefix.utf8))
            #expect(filter.mayMatchFigures, "\(prefix)")
            _ = apply(&filter, [0] + Array(prefix.utf8))
            #expect(!filter.mayMatchFigures, "\(prefix) unsubscribed")
        }
    }

    @Test func otherMessagesChangeNothing() {
        var filter = SubscriptionFilter()
        #expect(!apply(&filter, []))
        #expect(!apply(&filter, [2] + Array("/m/".utf8)))
        #expect(!apply(&filter, [0] + Array("/m/".utf8)), "unsubscribing what is not held")
        #expect(filter.isEmpty)
    }
}
