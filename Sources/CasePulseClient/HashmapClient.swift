import CasePulseCore
import CasePulseWire
import ZeroMQ

/// A Clustered Hashmap Protocol client (ZeroMQ RFC 12, the Clone pattern's client side): a local
/// copy of the daemon's keys under one or more subtrees, kept current by updates.
///
/// `init` subscribes a SUB socket to the publish endpoint (the subtrees' prefixes and `HUGZ`),
/// waits briefly until that subscription is live, then asks the snapshot endpoint for each subtree
/// (`["ICANHAZ?", subtree]` on a DEALER) and reads KVSYNC frames until `KTHXBAI`. ``poll(timeout:)``
/// then applies KVPUB updates, discarding every update whose sequence number is not strictly
/// greater than the last one applied for its subtree (RFC 12), so nothing the snapshot already
/// holds is applied twice or rolled back.
///
/// Updates missed are recovered: the client takes every snapshot again (``resynchronizations``
/// counts it) when its subscription reconnects — the daemon restarted, or dropped its subscribers
/// because a reload revoked a key — as soon as the first message on the new connection shows
/// the subscription live again, and, when it mirrors everything (subtree `""`), when the update
/// sequence numbers skip one (a subtree's updates skip the numbers of other keys, so there a gap
/// says nothing).
///
/// A client whose key the daemon refuses — the key was removed from `--subscriber-keys` and the
/// daemon reloaded — ends with ``CasePulseClientError/subscriberKeyRefused(endpoint:clientKey:evidence:)``
/// once the refusals have gone on for `keyRefusalGrace` (2 s by default) without an admission in
/// between, instead of waiting in silence forever (libzmq does not try a denied handshake again).
/// Meanwhile it tries again every 250 ms, so a key put back within the grace (a reload race) is
/// ridden out.
///
/// Not thread-safe and deliberately not `Sendable`: its sockets stay on the thread that uses it.
///
/// ```swift
/// let client = try HashmapClient(context: context, snapshotEndpoint: "tcp://127.0.0.1:7600",
///                                publishEndpoint: "tcp://127.0.0.1:7601", subtree: "/m/all/")
/// while true {
///     for change in try client.poll(timeout: .seconds(1)) { print(change.key, change.value ?? "deleted") }
/// }
/// ```
public final class HashmapClient {
    /// One key's value and the sequence number it was last set at.
    public struct Entry: Sendable, Hashable {
        /// The sequence number of the KVSYNC or KVPUB that set the value.
        public var sequence: UInt64
        /// The value: for `/m/…` and `/sys/…` keys, a JSON object.
        public var value: String

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - sequence: The sequence number it was set at.
        ///   - value: The value.
        public init(sequence: UInt64, value: String) {
            self.sequence = sequence
            self.value = value
        }
    }

    /// One applied update.
    public struct Change: Sendable, Hashable {
        /// The key that changed.
        public var key: String
        /// The update's sequence number.
        public var sequence: UInt64
        /// The new value, `nil` when the key was deleted.
        public var value: String?

        /// Creates a change.
        ///
        /// - Parameters:
        ///   - key: The key.
        ///   - sequence: The update's sequence number.
        ///   - value: The new value, `nil` for a deletion.
        public init(key: String, sequence: UInt64, value: String?) {
            self.key = key
            self.sequence = sequence
            self.value = value
        }
    }

    /// A complete snapshot of one subtree, as returned by
    /// ``snapshot(context:endpoint:subtree:timeout:curve:keyRefusalGrace:)``.
    public struct Snapshot: Sendable, Hashable {
        /// The sequence number of the `KTHXBAI` that closed the snapshot.
        public var sequence: UInt64
        /// Every key under the subtree.
        public var entries: [String: Entry]

        /// Creates a snapshot.
        ///
        /// - Parameters:
        ///   - sequence: The `KTHXBAI` sequence number.
        ///   - entries: The keys and their entries.
        public init(sequence: UInt64, entries: [String: Entry]) {
            self.sequence = sequence
            self.entries = entries
        }
    }

    /// The snapshot endpoint (the daemon's ROUTER).
    public let snapshotEndpoint: String
    /// The publish endpoint (the daemon's PUB).
    public let publishEndpoint: String
    /// The subtrees mirrored, as requested (`""` is everything).
    public let subtrees: [String]

    /// Every key currently held, with its entry.
    public private(set) var entries: [String: Entry] = [:]
    /// The highest sequence number seen: the snapshots' `KTHXBAI`s and every update applied since.
    public private(set) var sequence: UInt64 = 0
    /// The `KTHXBAI` sequence numbers of the latest snapshots, one per subtree.
    public private(set) var snapshotSequences: [UInt64] = []
    /// When the last `HUGZ` heartbeat arrived; `nil` before the first.
    public private(set) var lastHeartbeat: ContinuousClock.Instant?
    /// Updates discarded because they were not newer than what was already applied.
    public private(set) var discardedUpdates = 0
    /// How many times the snapshots were taken again after a reconnect or a sequence gap.
    public private(set) var resynchronizations = 0

    /// Whether the daemon's last word on the subscription's handshakes was a refusal of the key:
    /// the client keeps retrying until the key refusal grace is up (the key may be put back), then
    /// ``poll(timeout:)`` throws ``CasePulseClientError/subscriberKeyRefused(endpoint:clientKey:evidence:)``.
    public var isKeyRefused: Bool { refusals.isRefusing }

    /// The current values, key by key.
    public var values: [String: String] { entries.mapValues(\.value) }

    /// The first subtree (the only one when created with ``init(context:snapshotEndpoint:publishEndpoint:subtree:timeout:subscriptionWait:curve:)``).
    public var subtree: String { subtrees.first ?? "" }

    private let subscriber: Socket
    /// Reports the subscription's connection events (`DISCONNECTED`, `HANDSHAKE_SUCCEEDED`,
    /// `HANDSHAKE_FAILED_AUTH`, `_NO_DETAIL` and `_PROTOCOL`).
    private let connectionEvents: SocketMonitor
    private let poller: Poller
    /// The last sequence applied per subtree (RFC 12's rule is per snapshot).
    private var lastApplied: [UInt64] = []
    private let context: Context
    private let timeout: Duration
    private let curve: CurveClientKeys?
    /// Handshakes of the subscription the daemon refused since it last admitted one.
    private var refusals: KeyRefusals
    /// Handshakes of the subscription that failed before the daemon's ZAP handler had a say.
    private var failures: HandshakeFailures
    /// Where the subscription's connection stands.
    private var link = Link.live
    /// Set when the snapshots must be taken again.
    private var resynchronizationDue = false

    /// The subscription's connection, as its monitor tells it.
    private enum Link {
        /// Connected, or never lost.
        case live
        /// Disconnected since the snapshots were taken.
        case lost
        /// Connected again; the first message that follows shows the subscription is live.
        case reconnected
    }

    /// Mirrors one subtree.
    ///
    /// - Parameters:
    ///   - context: The ZeroMQ context for the client's sockets.
    ///   - snapshotEndpoint: The daemon's snapshot ROUTER, e.g. `tcp://127.0.0.1:7600`.
    ///   - publishEndpoint: The daemon's PUB, e.g. `tcp://127.0.0.1:7601`.
    ///   - subtree: The key prefix to mirror, e.g. `/m/all/`; `""` mirrors everything.
    ///   - timeout: How long the snapshot may take before ``CasePulseClientError/snapshotTimeout(endpoint:timeout:)``.
    ///   - subscriptionWait: How long to wait for a first message (a `HUGZ` comes every second)
    ///     proving the subscription is live before the snapshot is requested; `.zero` skips the wait
    ///     (updates published in the first moments may then be missed).
    ///   - curve: Client keys for a daemon running CURVE; `nil` connects in the clear.
    ///   - keyRefusalGrace: How long the daemon may refuse the client's key (handshakes denied,
    ///     snapshots refused as `unauthorized`) before the client gives up with
    ///     ``CasePulseClientError/subscriberKeyRefused(endpoint:clientKey:evidence:)``.
    /// - Throws: ``CasePulseClientError``.
    public convenience init(
        context: Context, snapshotEndpoint: String, publishEndpoint: String, subtree: String = "/m/all/",
        timeout: Duration = .seconds(5), subscriptionWait: Duration = .milliseconds(1500),
        curve: CurveClientKeys? = nil, keyRefusalGrace: Duration = HashmapClient.defaultKeyRefusalGrace
    ) throws(CasePulseClientError) {
        try self.init(
            context: context, snapshotEndpoint: snapshotEndpoint, publishEndpoint: publishEndpoint,
            subtrees: [subtree], timeout: timeout, subscriptionWait: subscriptionWait, curve: curve,
            keyRefusalGrace: keyRefusalGrace)
    }

    /// How long the daemon may refuse a client's key before the client gives up: 2 s, twenty
    /// reconnects at libzmq's 100 ms interval — long enough for a reload that leaves a key out for
    /// a moment and the one that puts it back, short enough that a revoked `casepulse watch` ends
    /// within a few seconds.
    public static let defaultKeyRefusalGrace: Duration = .seconds(2)

    /// Mirrors several subtrees (for example `/m/all/` and `/sys/ingest`) over one subscription.
    ///
    /// - Parameters:
    ///   - context: The ZeroMQ context for the client's sockets.
    ///   - snapshotEndpoint: The daemon's snapshot ROUTER.
    ///   - publishEndpoint: The daemon's PUB.
    ///   - subtrees: The key prefixes to mirror; each gets its own snapshot.
    ///   - timeout: How long each snapshot may take.
    ///   - subscriptionWait: How long to wait for a first message on the subscription.
    ///   - curve: Client keys for a daemon running CURVE; `nil` connects in the clear.
    ///   - keyRefusalGrace: How long the daemon may refuse the client's key before the client
    ///     gives up (see ``defaultKeyRefusalGrace``).
    /// - Throws: ``CasePulseClientError``.
    public init(
        context: Context, snapshotEndpoint: String, publishEndpoint: String, subtrees: [String],
        timeout: Duration = .seconds(5), subscriptionWait: Duration = .milliseconds(1500),
        curve: CurveClientKeys? = nil, keyRefusalGrace: Duration = HashmapClient.defaultKeyRefusalGrace
    ) throws(CasePulseClientError) {
        let subtrees = subtrees.isEmpty ? [""] : subtrees
        self.snapshotEndpoint = snapshotEndpoint
        self.publishEndpoint = publishEndpoint
        self.subtrees = subtrees
        self.context = context
        self.timeout = timeout
        self.curve = curve
        refusals = KeyRefusals(grace: keyRefusalGrace)
        failures = HandshakeFailures(grace: keyRefusalGrace, curve: curve != nil)
        do {
            subscriber = try Socket(context, .sub)
            try subscriber.setLinger(0)
            try subscriber.setReceiveHighWaterMark(0)
            for subtree in subtrees { try subscriber.subscribe(subtree) }
            try subscriber.subscribe(ClusteredHashmap.heartbeat)
            try curve?.apply(to: subscriber)
            connectionEvents = try SocketMonitor(subscriber, events: HandshakeFailures.events.union([.disconnected, .handshakeFailedAuth]))
            try subscriber.connect(publishEndpoint)
        } catch {
            throw .zeroMQ(action: "cannot subscribe to \(publishEndpoint)", error: error)
        }
        poller = Poller([PollItem(socket: subscriber, events: .readable), PollItem(socket: connectionEvents.receiver, events: .readable)])
        let subscription = Poller([PollItem(socket: subscriber, events: .readable)])

        // Clone pattern: subscribe first, then take the snapshot. A first message proves that the
        // daemon's PUB knows the subscription, so nothing published after the snapshot is missed.
        var early: [[[UInt8]]] = []
        if subscriptionWait > .zero {
            let deadline = ContinuousClock.now + subscriptionWait
            do {
                while early.isEmpty, try subscription.poll(timeoutMilliseconds: Duration.milliseconds(until: deadline)) > 0 {
                    if let frames = try subscriber.receiveMultipart(dontWait: true) { early.append(frames) }
                }
            } catch {
                throw .zeroMQ(action: "cannot receive from \(publishEndpoint)", error: error)
            }
        }

        var ignored: [Change] = []
        try takeSnapshots(reporting: &ignored)
        // Whatever arrived while waiting was published before the snapshots: normally discarded.
        for frames in early { apply(frames, to: &ignored) }
    }

    /// Fetches one snapshot without subscribing to updates (`["ICANHAZ?", subtree]` on a
    /// short-lived DEALER).
    ///
    /// - Parameters:
    ///   - context: The ZeroMQ context.
    ///   - endpoint: The daemon's snapshot ROUTER.
    ///   - subtree: The key prefix; `""` is everything.
    ///   - timeout: How long the whole exchange may take.
    ///   - curve: Client keys for a daemon running CURVE; `nil` connects in the clear.
    ///   - keyRefusalGrace: How long the daemon may refuse the client's key — deny its handshakes,
    ///     or answer `["NACK", "unauthorized", …]` — before the exchange ends with
    ///     ``CasePulseClientError/subscriberKeyRefused(endpoint:clientKey:evidence:)``. Meanwhile
    ///     the request is sent again every 250 ms, on a new connection after a denied handshake.
    /// - Returns: The keys under `subtree` and the `KTHXBAI` sequence number.
    /// - Throws: ``CasePulseClientError/snapshotTimeout(endpoint:timeout:)`` when no complete
    ///   snapshot arrived in time, ``CasePulseClientError/subscriberKeyRefused(endpoint:clientKey:evidence:)``
    ///   when the daemon refused the key for `keyRefusalGrace` (or until the timeout, when that
    ///   came first and the last word was a refusal), ``CasePulseClientError/snapshotRefused(endpoint:reason:detail:)``
    ///   when it refused the request for another reason (`NACK`),
    ///   ``CasePulseClientError/handshakeFailed(endpoint:evidence:)`` when the handshakes failed
    ///   before the daemon's ZAP handler had a say for `keyRefusalGrace` (or until the timeout):
    ///   a `--server-key` that is not the daemon's, or CURVE on one side only,
    ///   ``CasePulseClientError/invalidSnapshot(endpoint:detail:)`` for frames that are not CHP commands.
    public static func snapshot(
        context: Context, endpoint: String, subtree: String, timeout: Duration = .seconds(5),
        curve: CurveClientKeys? = nil, keyRefusalGrace: Duration = HashmapClient.defaultKeyRefusalGrace
    ) throws(CasePulseClientError) -> Snapshot {
        let deadline = ContinuousClock.now + timeout
        let dealer: Socket
        let handshakes: SocketMonitor
        do {
            dealer = try Socket(context, .dealer)
            try dealer.setLinger(0)
            try dealer.setReceiveHighWaterMark(0)
            try curve?.apply(to: dealer)
            handshakes = try SocketMonitor(dealer, events: HandshakeFailures.events.union(.handshakeFailedAuth))
            try dealer.connect(endpoint)
        } catch {
            throw .zeroMQ(action: "cannot connect to \(endpoint)", error: error)
        }
        defer {
            dealer.close(linger: 0)
            handshakes.close()
        }
        let poller = Poller([PollItem(socket: dealer, events: .readable), PollItem(socket: handshakes.receiver, events: .readable)])
        let request = [Array(ClusteredHashmap.snapshotRequest.utf8), Array(subtree.utf8)]
        let queued: Bool
        do { queued = try dealer.send(multipart: request, dontWait: true) } catch {
            throw .zeroMQ(action: "cannot send a snapshot request to \(endpoint)", error: error)
        }
        // The request queues on the connecting pipe; a full queue means no peer at all.
        guard queued else { throw .snapshotTimeout(endpoint: endpoint, timeout: timeout) }
        var entries: [String: Entry] = [:]
        var refusals = KeyRefusals(grace: keyRefusalGrace)
        var failures = HandshakeFailures(grace: keyRefusalGrace, curve: curve != nil)
        /// Whether the last refusal was a denied handshake, which libzmq does not try again.
        var handshakeDenied = false
        while true {
            let now = ContinuousClock.now
            if refusals.isFatal(at: now) || (now >= deadline && refusals.isRefusing) {
                throw refusals.error(endpoint: endpoint, curve: curve, at: now)
            }
            if failures.isFatal(at: now) || (now >= deadline && failures.isFailing) {
                throw failures.error(endpoint: endpoint, at: now)
            }
            if now >= deadline { throw .snapshotTimeout(endpoint: endpoint, timeout: timeout) }
            let message: [[UInt8]]?
            do {
                // Refused: ask again (on a new connection after a denied handshake); the key may
                // be back.
                if refusals.takeRetry(at: now) {
                    if handshakeDenied { try dealer.reconnect(endpoint) }
                    _ = try dealer.send(multipart: request, dontWait: true)
                }
                let due = [deadline, refusals.nextDue, failures.deadline].compactMap { $0 }.min() ?? deadline
                _ = try poller.poll(timeoutMilliseconds: Duration.milliseconds(until: due))
                while let event = try handshakes.next() {
                    refusals.record(event)
                    failures.record(event)
                    if event.kind == .handshakeFailedAuth { handshakeDenied = true }
                }
                message = try dealer.receiveMultipart(dontWait: true)
            } catch {
                throw .zeroMQ(action: "cannot exchange a snapshot with \(endpoint)", error: error)
            }
            guard let frames = message else { continue }
            switch ClusteredHashmap.Command(frames: frames) {
            case .keyValue(let key, let sequence, let value)?:
                refusals.admitted()
                entries[key] = value.map { Entry(sequence: sequence, value: $0) }
            case .snapshotEnd(let sequence, _)?:
                return Snapshot(sequence: sequence, entries: entries)
            case .heartbeat?:
                continue
            case .refused(let reason, let detail)? where reason == RefusalReason.unauthorized.rawValue:
                refusals.refused("every snapshot request answered NACK unauthorized (\(detail))")
                handshakeDenied = false
            case .refused(let reason, let detail)?:
                throw .snapshotRefused(endpoint: endpoint, reason: reason, detail: detail)
            case nil:
                throw .invalidSnapshot(
                    endpoint: endpoint, detail: "a message of \(frames.count) frame(s) that is neither KVSYNC nor KTHXBAI")
            }
        }
    }

    /// Waits up to `timeout` for updates, then applies everything that has arrived.
    ///
    /// Returns as soon as at least one message (update or heartbeat) or connection event was
    /// handled, or when the timeout expires (then with no changes). Updates not newer than the last
    /// applied one of their subtree are discarded (RFC 12); an empty value deletes the key. After a
    /// reconnect or a gap the snapshots are taken again, and what differs from the copy held is
    /// returned as changes too. After a handshake the daemon denied, the subscription connects
    /// again every 250 ms (libzmq would not) until it is admitted or the key refusal grace is up.
    ///
    /// - Parameter timeout: The longest wait for a first message; `.zero` only drains.
    /// - Returns: The changes applied, in arrival order.
    /// - Throws: ``CasePulseClientError/subscriberKeyRefused(endpoint:clientKey:evidence:)`` once
    ///   the daemon has refused the subscription's handshakes for the key refusal grace;
    ///   ``CasePulseClientError/handshakeFailed(endpoint:evidence:)`` once its handshakes have
    ///   failed for as long, before its ZAP handler had a say (another `--server-key`, say);
    ///   ``CasePulseClientError/zeroMQ(action:error:)`` if the socket fails; the errors of
    ///   ``snapshot(context:endpoint:subtree:timeout:curve:keyRefusalGrace:)`` when a snapshot
    ///   taken again fails.
    public func poll(timeout: Duration) throws(CasePulseClientError) -> [Change] {
        let deadline = ContinuousClock.now + timeout
        var changes: [Change] = []
        do {
            while true {
                // libzmq does not try a denied handshake again: the client does, while the key
                // may yet be put back.
                if refusals.takeRetry() { try subscriber.reconnect(publishEndpoint) }
                let wake = [deadline, refusals.nextDue, failures.deadline].compactMap { $0 }.min() ?? deadline
                if try poller.poll(timeoutMilliseconds: Duration.milliseconds(until: wake)) > 0 { break }
                if ContinuousClock.now >= deadline || refusals.isFatal() || failures.isFatal() { break }
            }
            try followConnection(applyingTo: &changes)
            var handled = 0
            while handled < 100_000, let frames = try subscriber.receiveMultipart(dontWait: true) {
                apply(frames, to: &changes)
                handled += 1
            }
            if handled > 0, link == .reconnected {
                link = .live
                resynchronizationDue = true
            }
        } catch {
            throw .zeroMQ(action: "cannot receive updates from \(publishEndpoint)", error: error)
        }
        if refusals.isFatal() { throw refusals.error(endpoint: publishEndpoint, curve: curve) }
        if failures.isFatal() { throw failures.error(endpoint: publishEndpoint) }
        if resynchronizationDue {
            try takeSnapshots(reporting: &changes)
            resynchronizations += 1
        }
        return changes
    }

    /// Reads the subscription's connection events. Once it is connected again after losing its
    /// connection, what arrived over the old one is applied first: the next message then comes
    /// over the new connection and shows that the daemon holds the subscription again.
    /// A handshake the daemon denied counts as a refusal of the key (``KeyRefusals``).
    private func followConnection(applyingTo changes: inout [Change]) throws(ZMQError) {
        while let event = try connectionEvents.next() {
            switch event.kind {
            case .disconnected:
                link = .lost
            case .handshakeFailedAuth:
                refusals.record(event)
            case .handshakeFailedNoDetail, .handshakeFailedProtocol:
                failures.record(event)
            case .handshakeSucceeded:
                refusals.record(event)
                failures.record(event)
                guard link == .lost else { continue }
                while let frames = try subscriber.receiveMultipart(dontWait: true) { apply(frames, to: &changes) }
                link = .reconnected
            default:
                continue
            }
        }
    }

    /// Takes the snapshot of every subtree and makes it the copy held, reporting the keys whose
    /// entry it changes (a key it lacks as deleted).
    private func takeSnapshots(reporting changes: inout [Change]) throws(CasePulseClientError) {
        resynchronizationDue = false
        var fresh: [String: Entry] = [:]
        var sequences: [UInt64] = []
        for subtree in subtrees {
            let snapshot = try Self.snapshot(
                context: context, endpoint: snapshotEndpoint, subtree: subtree, timeout: timeout, curve: curve,
                keyRefusalGrace: refusals.grace)
            sequences.append(snapshot.sequence)
            for (key, entry) in snapshot.entries where (fresh[key]?.sequence ?? 0) <= entry.sequence {
                fresh[key] = entry
            }
        }
        let newest = sequences.max() ?? 0
        for key in entries.keys.sorted() where fresh[key] == nil {
            changes.append(Change(key: key, sequence: newest, value: nil))
        }
        for (key, entry) in fresh.sorted(by: { $0.key < $1.key }) where entries[key] != entry {
            changes.append(Change(key: key, sequence: entry.sequence, value: entry.value))
        }
        entries = fresh
        snapshotSequences = sequences
        lastApplied = sequences
        sequence = max(sequence, newest)
    }

    /// Polls until `condition` holds for the current values or `timeout` expires.
    ///
    /// - Parameters:
    ///   - timeout: The longest wait.
    ///   - condition: Checked against ``values`` first and after every batch of updates.
    /// - Returns: Whether `condition` held in time.
    /// - Throws: ``CasePulseClientError`` if the socket fails.
    public func poll(
        until condition: ([String: String]) -> Bool, timeout: Duration
    ) throws(CasePulseClientError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if condition(values) { return true }
            let left = deadline - .now
            if left <= .zero { return false }
            _ = try poll(timeout: min(left, .milliseconds(100)))
        }
    }

    /// Closes the subscription; later polls fail.
    public func close() {
        subscriber.close(linger: 0)
        connectionEvents.close()
    }

    private func apply(_ frames: [[UInt8]], to changes: inout [Change]) {
        switch ClusteredHashmap.Command(frames: frames) {
        case .heartbeat?:
            lastHeartbeat = .now
        case .keyValue(let key, let updateSequence, let value)?:
            var newest: UInt64 = 0
            var matched = false
            for (index, subtree) in subtrees.enumerated() where key.hasPrefix(subtree) {
                newest = max(newest, lastApplied[index])
                matched = true
            }
            guard matched, updateSequence > newest else {
                discardedUpdates += 1
                return
            }
            // Mirroring everything, every number reaches this client: one skipped is an update lost.
            if let everything = subtrees.firstIndex(of: ""), updateSequence > lastApplied[everything] + 1 {
                resynchronizationDue = true
            }
            for (index, subtree) in subtrees.enumerated() where key.hasPrefix(subtree) {
                lastApplied[index] = updateSequence
            }
            sequence = max(sequence, updateSequence)
            if let value {
                entries[key] = Entry(sequence: updateSequence, value: value)
            } else {
                entries[key] = nil
            }
            changes.append(Change(key: key, sequence: updateSequence, value: value))
        case .snapshotEnd?, .refused?, nil:
            return
        }
    }
}
