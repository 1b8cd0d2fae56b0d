import CasePulseCore
import CasePulseWire
import Foundation
import Logging
import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The thread that owns the publish socket (an XPUB). The server loop hands it each batch of
/// changes — key bytes and figures, already numbered — and it renders the JSON values and sends
/// the KVPUBs.
///
/// Rendering and sending every changed key was the largest share of the server thread after
/// ingest itself; here it runs beside ingest. Batches leave in the order they were handed over,
/// so sequence numbers reach subscribers in order. The loop only hands over changes whose events
/// are committed, so nothing a crash could take back is ever sent. The socket was created and
/// bound by the loop thread; from ``start()`` on only this thread touches it (the hand-over under
/// the lock is the memory barrier ZeroMQ asks for when a socket changes threads).
///
/// The thread also reads the subscriptions the XPUB reports, just before each batch, and renders
/// and sends only keys some subscriber holds a prefix of — libzmq would drop the others unsent
/// anyway. It shares them through ``subscriptions(changedSince:)``, so that the loop need not
/// even name most such keys. To a subscriber an XPUB is a PUB.
///
/// ``dropPeers(revoked:)`` closes every subscriber's connection (a reload revoked subscriber
/// keys): the thread unbinds the endpoint — libzmq closes the connections a listener accepted
/// with it — and binds it again, so that subscribers still listed reconnect while a revoked key's
/// handshake now fails.
final class PublisherThread: @unchecked Sendable {
    /// Changes waiting to be sent: key names in one byte buffer, values as figures or JSON.
    struct Batch {
        /// Each change's key, then its value: figures packed (``KeyFigures/pack(into:)``), or
        /// JSON; nothing for a deletion.
        var bytes: [UInt8] = []
        var items: [Item] = []

        /// Appends one change.
        mutating func append(key: UnsafeRawBufferPointer, sequence: UInt64, value: PublishedValue) {
            let start = bytes.count
            bytes.append(contentsOf: key)
            let kind: Item.Kind
            switch value {
            case .figures(let figures):
                figures.pack(into: &bytes)
                kind = .figures
            case .json(let json):
                bytes.append(contentsOf: json)
                kind = .json
            case .deleted:
                kind = .deleted
            }
            items.append(Item(
                start: start, sequence: sequence, keyLength: UInt32(key.count),
                valueLength: UInt32(bytes.count - start - key.count), kind: kind))
        }

        /// Appends a HUGZ.
        mutating func appendHeartbeat() {
            items.append(Item(start: bytes.count, sequence: 0, keyLength: 0, valueLength: 0, kind: .heartbeat))
        }

        /// Appends `other`'s changes after this batch's, in order.
        mutating func append(contentsOf other: Batch) {
            let offset = bytes.count
            bytes.append(contentsOf: other.bytes)
            items.reserveCapacity(items.count + other.items.count)
            for var item in other.items {
                item.start += offset
                items.append(item)
            }
        }

        var isEmpty: Bool { items.isEmpty }

        mutating func removeAll() {
            bytes.removeAll(keepingCapacity: true)
            items.removeAll(keepingCapacity: true)
        }
    }

    /// One change in a ``Batch``: 32 bytes and its key's and value's bytes in the batch's buffer.
    /// (It held the figures themselves before, 192 bytes a change: during a bulk load with a
    /// subscriber of every figure, the batches of one publish interval came to tens of MB.)
    struct Item {
        enum Kind: UInt8 {
            case figures, json, deleted, heartbeat
        }

        /// Where the key starts in the batch's bytes; the value follows it.
        var start: Int
        var sequence: UInt64
        var keyLength: UInt32
        var valueLength: UInt32
        var kind: Kind

        /// The key's bytes, in the batch's `bytes`.
        func key(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(keyLength)])
        }

        /// The value's bytes, in the batch's `bytes`.
        func value(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            let valueStart = start + Int(keyLength)
            return UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueStart + Int(valueLength)])
        }
    }

    private let socket: Socket
    /// The endpoint as configured (`tcp://127.0.0.1:*`, `ipc://*`, …).
    private let endpoint: String
    /// The endpoint as bound (a wildcard resolved), read when the thread starts.
    private var boundEndpoint = ""
    /// Set while the endpoint could not be bound again after dropping the peers: retried.
    private var rebindPending = false
    /// Whether the listener removes its directory as it closes: libzmq's own for `ipc://*`.
    private var listenerRemovesDirectory: Bool
    /// The `ipc://*` directory made again after dropping the peers, removed by ``finish()``.
    private var madeDirectory: String?
    private let logger: Logger
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var queued = Batch()
    /// Guarded by `lock`.
    private var finishing = false
    /// Subscriber keys revoked since the thread last dropped its peers. Guarded by `lock`.
    private var revokedKeys = 0
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    /// ``hand(_:)`` and ``finish()`` wake the thread, which polls it beside the socket.
    private let wakePipe: WakePipe
    /// The subscriptions as last read from the socket, and how many times they changed.
    private let shared = Mutex<(filter: SubscriptionFilter, version: UInt64)>((SubscriptionFilter(), 0))
    private let version = Atomic<UInt64>(0)

    /// Takes over `socket` (an XPUB socket, bound to `endpoint` before ``start()``) once started;
    /// throws when no pipe can be made.
    init(socket: Socket, endpoint: String, logger: Logger) throws(ServerError) {
        self.socket = socket
        self.endpoint = endpoint
        listenerRemovesDirectory = endpoint.hasPrefix("ipc://*")
        self.logger = logger
        wakePipe = try WakePipe(purpose: "publish thread's")
    }

    /// The subscriptions now, if they changed since `seen` (which is then updated); `nil` when
    /// they did not. One atomic load when nothing changed.
    func subscriptions(changedSince seen: inout UInt64) -> SubscriptionFilter? {
        guard version.load(ordering: .acquiring) != seen else { return nil }
        return shared.withLock { state in
            seen = state.version
            return state.filter
        }
    }

    /// Starts the thread (on the thread that bound the socket).
    func start() {
        started = true
        boundEndpoint = (try? socket.lastEndpoint) ?? endpoint
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "casepulse-publish"
        thread.start()
    }

    /// Hands a batch over (and empties it, keeping its storage for the next one).
    func hand(_ batch: inout Batch) {
        guard !batch.isEmpty else { return }
        lock.lock()
        if queued.isEmpty {
            swap(&queued, &batch)
        } else {
            // The thread is behind: append, so order is kept and nothing is dropped.
            queued.append(contentsOf: batch)
        }
        lock.unlock()
        wakePipe.wake()
        batch.removeAll()
    }

    /// Has the thread drop every peer of the socket, from any thread: a reload revoked `revoked`
    /// subscriber keys. What is sent while the peers still listed reconnect is lost to them; they
    /// take their snapshots again (PROTOCOL.md §5.2).
    func dropPeers(revoked: Int) {
        lock.lock()
        revokedKeys += revoked
        lock.unlock()
        wakePipe.wake()
    }

    /// Sends what is queued, stops the thread and closes the socket (which lingers so the last
    /// updates leave).
    func finish() {
        lock.lock()
        finishing = true
        lock.unlock()
        wakePipe.wake()
        if started { finished.wait() }
        socket.close()
        if let madeDirectory {
            unlink(madeDirectory + "/" + URL(fileURLWithPath: boundEndpoint).lastPathComponent)
            rmdir(madeDirectory)
        }
    }

    private func run() {
        var working = Batch()
        var rendered = JSONBytes(capacity: 512)
        var filter = SubscriptionFilter()
        let subscription = Message()
        let poller = Poller()
        // Readable when subscriptions wait: they are read at the top of the loop.
        _ = poller.add(PollItem(socket: socket, events: .readable))
        let wakeIndex = poller.add(PollItem(fileDescriptor: wakePipe.readDescriptor, events: .readable))
        while true {
            readSubscriptions(into: &filter, using: subscription)
            lock.lock()
            let finishing = self.finishing
            let revoked = revokedKeys
            revokedKeys = 0
            if !queued.isEmpty { swap(&queued, &working) }
            lock.unlock()
            if revoked > 0 { dropEveryPeer(revoked: revoked) }
            if rebindPending { rebind(revoked: 0) }
            if !working.isEmpty {
                working.bytes.withUnsafeBytes { bytes in
                    // What no subscriber holds would be dropped by libzmq: not even rendered.
                    for item in working.items where Self.isWanted(item, in: bytes, by: filter) {
                        send(item, bytes, &rendered)
                    }
                }
                working.removeAll()
                continue
            }
            if finishing { return }
            // Sleeps until a batch is handed over or a subscription changes. The pipe is drained
            // before the queue is looked at again, so a hand-over is never missed.
            do { _ = try poller.poll(timeoutMilliseconds: rebindPending ? 1000 : -1) } catch {
                logger.error("publish thread: poll failed: \(error)")
                usleep(10_000)
            }
            if poller.isReadable(wakeIndex) { wakePipe.drain() }
        }
    }

    /// Whether some subscriber holds a prefix of the item's key; heartbeats always go.
    private static func isWanted(_ item: Item, in bytes: UnsafeRawBufferPointer, by filter: SubscriptionFilter) -> Bool {
        if item.kind == .heartbeat { return true }
        return filter.matches(item.key(in: bytes))
    }

    /// Reads every subscription message the XPUB holds and shares the result when it changed.
    private func readSubscriptions(into filter: inout SubscriptionFilter, using message: Message) {
        var changed = false
        while true {
            do {
                guard try socket.receive(into: message, dontWait: true) else { break }
            } catch {
                logger.warning("publish thread: reading subscriptions failed: \(error)")
                break
            }
            if message.withUnsafeBytes({ filter.apply($0) }) { changed = true }
        }
        guard changed else { return }
        let current = filter
        shared.withLock { state in
            state.filter = current
            state.version &+= 1
            version.store(state.version, ordering: .releasing)
        }
    }

    // MARK: Dropping the peers

    /// Unbinds the endpoint, which closes every connection its listener accepted, and binds it
    /// again.
    private func dropEveryPeer(revoked: Int) {
        do { try socket.unbind(boundEndpoint) } catch {
            logger.error(
                "\(Self.keys(revoked)) revoked, but the updates socket's peers were not dropped: \(error); restart casepulsed to cut them off")
            return
        }
        rebind(revoked: revoked)
    }

    /// Binds the endpoint again. libzmq closes the old listener in its I/O thread, so its address
    /// may stay in use for a moment: `EADDRINUSE` is retried for up to a second. A failure is
    /// logged once and retried every second until the bind succeeds.
    private func rebind(revoked: Int) {
        let deadline = ContinuousClock.now + .seconds(1)
        while true {
            do throws(ZMQError) {
                try awaitListenerDirectory(until: deadline)
                try socket.bind(boundEndpoint)
                break
            } catch {
                if error.errno == EADDRINUSE, ContinuousClock.now < deadline {
                    usleep(5_000)
                    continue
                }
                if !rebindPending {
                    logger.error(
                        "cannot bind the updates endpoint again after dropping its peers: \(error); no subscriber can connect until it is bound (retried every second)")
                }
                rebindPending = true
                return
            }
        }
        listenerRemovesDirectory = false
        if rebindPending {
            rebindPending = false
            logger.notice("the updates endpoint \(boundEndpoint) is bound again; subscribers reconnect")
        } else {
            logger.notice(
                "\(Self.keys(revoked)) revoked: dropped every peer of the updates socket \(boundEndpoint); subscribers still listed reconnect")
        }
    }

    /// With `ipc://*` libzmq made a temporary directory for the socket file, and the old listener
    /// removes the file and the directory as it closes: waits for that (so that the new file is
    /// not removed) and makes the directory again, owner-only.
    private func awaitListenerDirectory(until deadline: ContinuousClock.Instant) throws(ZMQError) {
        guard listenerRemovesDirectory, boundEndpoint.hasPrefix("ipc://") else { return }
        let directory = URL(fileURLWithPath: String(boundEndpoint.dropFirst("ipc://".count))).deletingLastPathComponent().path
        while access(directory, F_OK) == 0, ContinuousClock.now < deadline { usleep(5_000) }
        if mkdir(directory, 0o700) == 0 {
            madeDirectory = directory
        } else if errno != EEXIST {
            throw ZMQError(errno: errno, operation: "mkdir \(directory) for", endpoint: boundEndpoint)
        }
    }

    /// `1 subscriber key`, `2 subscriber keys`.
    private static func keys(_ count: Int) -> String {
        "\(count) subscriber key\(count == 1 ? "" : "s")"
    }

    /// Sends one KVPUB (the five frames of ``ClusteredHashmap/keyValueFrames(key:sequence:value:)``)
    /// or a HUGZ, without building arrays.
    private func send(_ item: Item, _ bytes: UnsafeRawBufferPointer, _ rendered: inout JSONBytes) {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        do {
            if item.kind == .heartbeat {
                _ = try socket.send(multipart: ClusteredHashmap.heartbeatFrames)
                return
            }
            let key = item.key(in: bytes)
            if item.kind == .figures {
                // Packed by the loop of this process, so it unpacks; were it ever not to, the key
                // is skipped with an error rather than sent with a wrong value.
                guard let figures = KeyFigures(packed: item.value(in: bytes)) else {
                    logger.error("publish: the figures of \(String(decoding: key, as: UTF8.self)) did not unpack; not sent")
                    return
                }
                rendered.removeAll()
                figures.write(to: &rendered)
            }
            var sequence = item.sequence.bigEndian
            _ = try socket.send(key, more: true)
            try withUnsafeBytes(of: &sequence) { _ = try socket.send($0, more: true) }
            _ = try socket.send(empty, more: true)
            _ = try socket.send(empty, more: true)
            switch item.kind {
            case .figures:
                try rendered.withBytes { _ = try socket.send($0, more: false) }
            case .json:
                _ = try socket.send(item.value(in: bytes), more: false)
            case .deleted, .heartbeat:
                _ = try socket.send(empty, more: false)
            }
        } catch {
            logger.warning("publish failed: \(error)")
        }
    }
}
