import CasePulseWire
import Foundation
import Synchronization
import ZeroMQ

/// A CHP server the test steers, on real sockets (a ROUTER and an XPUB on loopback tcp, run by a
/// thread of its own): it answers `ICANHAZ?` from the keys it holds, publishes what it is told
/// to — or holds a change back, as a lost update — sends `HUGZ` every 100 ms, drops its
/// subscribers the way casepulsed does (unbind and bind again), and can refuse snapshot requests
/// as casepulsed refuses a revoked key's (`["NACK", "unauthorized", …]`).
final class FakeCloneServer: Sendable {
    let snapshot: String
    let publish: String
    private let shared = Shared()
    private let done = DispatchSemaphore(value: 0)

    /// What the test and the server's thread share.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private struct State {
        var sequence: UInt64 = 0
        var entries: [String: (sequence: UInt64, value: String)] = [:]
        var outgoing: [[[UInt8]]] = []
        var dropRequested = false
        var dropsDone = 0
        var snapshotRequests = 0
        var refusingSnapshots = false
        var stopping = false
    }

    init() throws {
        let bound = Mutex<Result<(String, String), ZMQError>?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [shared, done] in
            do throws(ZMQError) {
                let context = try Context()
                let router = try Socket(context, .router)
                try router.setLinger(0)
                try router.bind("tcp://127.0.0.1:*")
                let publisher = try Socket(context, .xpub)
                try publisher.setLinger(0)
                try publisher.bind("tcp://127.0.0.1:*")
                let endpoints = (try router.lastEndpoint, try publisher.lastEndpoint)
                bound.withLock { $0 = .success(endpoints) }
                ready.signal()
                try Self.serve(router: router, publisher: publisher, endpoint: endpoints.1, state: shared.state)
            } catch {
                bound.withLock { $0 = $0 ?? .failure(error) }
                ready.signal()
            }
            done.signal()
        }
        thread.start()
        ready.wait()
        switch bound.withLock({ $0 }) {
        case .success(let endpoints)?: (snapshot, publish) = endpoints
        case .failure(let error)?: throw error
        case nil: throw ZMQError(errno: EINVAL, operation: "start the fake CHP server")
        }
    }

    /// Sets `key` at the next sequence number and publishes it, unless `lost` (then only a
    /// snapshot tells it).
    func set(_ key: String, _ value: String, lost: Bool = false) {
        shared.state.withLock { state in
            state.sequence += 1
            state.entries[key] = (state.sequence, value)
            if !lost { state.outgoing.append(ClusteredHashmap.keyValueFrames(key: key, sequence: state.sequence, value: value)) }
        }
    }

    /// Unbinds the publish endpoint and binds it again, as casepulsed does on a revocation; returns
    /// once done.
    func dropSubscribers() {
        let before = shared.state.withLock { state in
            state.dropRequested = true
            return state.dropsDone
        }
        while shared.state.withLock({ $0.dropsDone }) == before { usleep(5_000) }
    }

    /// How many `ICANHAZ?` were answered (refusals included).
    var snapshotRequests: Int { shared.state.withLock { $0.snapshotRequests } }

    /// Whether snapshot requests are answered `["NACK", "unauthorized", …]` instead of figures.
    var refusesSnapshots: Bool {
        get { shared.state.withLock { $0.refusingSnapshots } }
        set { shared.state.withLock { $0.refusingSnapshots = newValue } }
    }

    func stop() {
        shared.state.withLock { $0.stopping = true }
        done.wait()
    }

    private static func serve(router: Socket, publisher: Socket, endpoint: String, state: borrowing Mutex<State>) throws(ZMQError) {
        let poller = Poller([PollItem(socket: router, events: .readable), PollItem(socket: publisher, events: .readable)])
        var nextHeartbeat = ContinuousClock.now
        while !state.withLock({ $0.stopping }) {
            _ = try poller.poll(timeoutMilliseconds: 10)
            while try publisher.receiveMultipart(dontWait: true) != nil {}  // subscriptions
            while let request = try router.receiveMultipart(dontWait: true) {
                guard request.count == 3 else { continue }
                let subtree = String(decoding: request[2], as: UTF8.self)
                let (entries, sequence, refusing) = state.withLock { state in
                    state.snapshotRequests += 1
                    return (state.entries, state.sequence, state.refusingSnapshots)
                }
                if refusing {
                    _ = try router.send(multipart: [request[0]] + ClusteredHashmap.refusalFrames(
                        reason: "unauthorized", detail: "the key of this connection is not in the subscriber allowlist"))
                    continue
                }
                for (key, entry) in entries where key.hasPrefix(subtree) {
                    _ = try router.send(multipart: [request[0]] + ClusteredHashmap.keyValueFrames(key: key, sequence: entry.sequence, value: entry.value))
                }
                _ = try router.send(multipart: [request[0]] + ClusteredHashmap.snapshotEndFrames(sequence: sequence, subtree: subtree))
            }
            let (outgoing, drop) = state.withLock { state in
                defer { state.outgoing = []; state.dropRequested = false }
                return (state.outgoing, state.dropRequested)
            }
            for frames in outgoing { _ = try publisher.send(multipart: frames) }
            if drop {
                try publisher.unbind(endpoint)
                while true {
                    do throws(ZMQError) {
                        try publisher.bind(endpoint)
                        break
                    } catch where error.errno == EADDRINUSE {
                        usleep(5_000)
                    }
                }
                state.withLock { $0.dropsDone += 1 }
            }
            if ContinuousClock.now >= nextHeartbeat {
                _ = try publisher.send(multipart: ClusteredHashmap.heartbeatFrames)
                nextHeartbeat = .now + .milliseconds(100)
            }
        }
    }
}
