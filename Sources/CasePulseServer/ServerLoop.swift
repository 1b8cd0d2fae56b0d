import CPrefetch
import CasePulseCore
import CasePulseStore
import CasePulseWire
import Foundation
import Logging
import ZeroMQ

#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// The server's thread: it owns the engine, the journal and every socket but the publish socket
/// (which its ``PublisherThread`` owns), and runs a poll loop.
///
/// ZeroMQ sockets are not thread-safe, so nothing here is touched from another thread; the outside
/// world wakes the loop through a ``WakePipe`` and reads its status through ``Server``. Ingest is
/// drained in batches, refusals are counted, and changed keys are published once per interval.
final class ServerLoop {
    let configuration: ServerConfiguration
    let engine: Engine
    /// The durable state, when a state directory is configured.
    let store: StateStore?
    /// A failure that ended the loop (the journal could not be written): the daemon must exit
    /// non-zero so that a restart recovers from what is durable.
    private(set) var failure: ServerError?
    private var replies: [[[UInt8]]] = []
    private var lastCheckpoint = ContinuousClock.now
    /// When the checkpoint being cut in slices started.
    private var cutStarted = ContinuousClock.now
    private var logger: Logger
    private var refusals: RefusalLog
    private let decoder = EventDecoder()
    private let snapshot: Socket
    private let publisher: Socket
    /// Renders and sends the KVPUBs on its own thread; owns `publisher` once started.
    private let publishing: PublisherThread
    private var outgoing = PublisherThread.Batch()
    /// Publish batches and replies waiting for their events' journal records to be durable,
    /// oldest first (``release()``).
    private var held: [Held] = []
    /// Whether this pass of the loop read every message its sockets held: then a commit is
    /// written on this thread when the journal's flusher is idle (no thread hop for a lone
    /// event), else handed to the flusher while the next batch is read.
    private var caughtUp = true

    /// A publish batch and replies waiting for the journal record with `ticket` to be durable.
    private struct Held {
        var ticket: UInt64
        var batch: PublisherThread.Batch
        var replies: [[[UInt8]]]
    }
    /// The subscriptions as the loop last took them from the publish thread, and their version.
    private var subscriptions = SubscriptionFilter()
    private var subscriptionsVersion: UInt64 = 0
    /// While one is open every change goes to the publish thread, which filters with the
    /// subscriptions as of the moment it sends: opened by each snapshot request (see
    /// ``publishChanges()``).
    private var snapshotWindows = SnapshotWindows()
    private let ingest: Socket
    private let reliable: Socket?
    private let poller = Poller()
    private let wakePipe: WakePipe
    /// The frames of a reliable message: identity, topic, body, and one to spare.
    private let frames: [Message] = (0..<4).map { _ in Message() }
    /// Best-effort messages, received a batch at a time (see ``MultipartBatch``); topic and
    /// body, and one to spare.
    private let ingestBatch = MultipartBatch(capacity: ServerLoop.ingestBatchCapacity, framesPerMessage: 3)
    /// The events of ``ingestBatch`` decoded and not yet applied (``applyTaken(from:)``), their
    /// texts copied out of the messages; kept, emptied, from one batch to the next.
    private var taken = CaseEventBatch()
    /// The message of ``ingestBatch`` that each event of ``taken`` came in, by position.
    private var takenMessages: [Int] = []
    /// A snapshot request: identity, `ICANHAZ?`, subtree.
    private let requestFrames: [Message] = (0..<3).map { _ in Message() }
    /// The figures of `/sys/snapshots`, which the loop (not the engine) keeps.
    private var snapshotStatistics: SnapshotStatistics
    private var now = ContinuousClock.now
    private var wallSeconds = Int64(Date().timeIntervalSince1970)
    private var iterations: UInt64 = 0
    /// Every endpoint bound or connected, by role (comma-separated when repeated), wildcard ports
    /// resolved: for the start-up log and ``Server/boundEndpoints``.
    private(set) var boundEndpoints: [String: String] = [:]
    private var lastGap: String?

    private let wakeIndex: Int
    private let ingestIndex: Int
    private let reliableIndex: Int?
    private let snapshotIndex: Int

    /// Creates every socket and binds or connects every endpoint; throws the first failure.
    init(configuration: ServerConfiguration, context: Context, wakePipe: WakePipe, logger: Logger) throws(ServerError) {
        self.configuration = configuration
        self.logger = logger
        self.refusals = RefusalLog(logger: logger)
        self.wakePipe = wakePipe
        if let directory = configuration.stateDirectory {
            do {
                let started = ContinuousClock.now
                let store = try StateStore(directory: directory, fsync: configuration.fsync)
                let (engine, recovery) = try store.recover(configuration: configuration.engine)
                self.store = store
                self.engine = engine
                // The journal's flusher wakes the loop when records become durable: what waits for
                // them goes out then.
                store.onDurable { [wakePipe] in wakePipe.wake() }
                let source = recovery.fromImage ? " (tables from the engine image of the clean stop)" : ""
                logger.info(
                    "recovered \(recovery.cases) cases\(source) and \(recovery.journalEvents) journal events from \(directory) in \(ContinuousClock.now - started); sequence continues above \(recovery.sequence)")
                for warning in recovery.warnings { logger.warning("\(warning)") }
                if recovery.calendarChanged {
                    logger.warning("the time zone or day retention changed since the state was written: aggregates are rebuilt with the new calendar")
                }
            } catch {
                throw ServerError("cannot use the state directory", cause: nil, detail: error.description)
            }
        } else {
            self.store = nil
            self.engine = Engine(configuration: configuration.engine)
        }
        // Settlings of the held-back figures make their additions on a thread of their own, while
        // this loop's thread goes on with the next events (``Engine/settleFiguresIfFull(entries:)``).
        engine.settleAdder = SettleAdder(label: "casepulse.settle")
        do {
            snapshot = try Socket(context, .router)
            try snapshot.setSendHighWaterMark(0)
            try snapshot.setMaxMessageSize(64 * 1024)
            try snapshot.setLinger(0)
            // An XPUB, so that the publish thread learns what subscribers hold (a PUB to them).
            publisher = try Socket(context, .xpub)
            try publisher.setSendHighWaterMark(1_000_000)
            try publisher.setLinger(1000)
            ingest = try Socket(context, .sub)
            try ingest.setReceiveHighWaterMark(configuration.ingestHighWaterMark)
            // Frames up to 1 MiB are read and refused as too_large; a peer sending larger ones is
            // disconnected by libzmq before they take memory.
            try ingest.setMaxMessageSize(max(Self.maxFrameBytes, Int64(configuration.maxEventBytes) + 4096))
            try ingest.subscribe("")
            try ingest.setLinger(0)
            if configuration.reliableEndpoints.isEmpty {
                reliable = nil
            } else {
                let router = try Socket(context, .router)
                try router.setReceiveHighWaterMark(configuration.ingestHighWaterMark)
                try router.setMaxMessageSize(max(Self.maxFrameBytes, Int64(configuration.maxEventBytes) + 4096))
                try router.setSendHighWaterMark(0)
                try router.setLinger(1000)
                reliable = router
            }
        } catch {
            throw ServerError("cannot create sockets", cause: error)
        }
        if let security = configuration.security {
            let sockets: [(Socket, EndpointRole)] = [(snapshot, .snapshot), (publisher, .publish), (ingest, .ingest)]
                + (reliable.map { [($0, EndpointRole.reliable)] } ?? [])
            for (socket, role) in sockets {
                do { try security.configure(socket, role: role) } catch {
                    throw ServerError("cannot secure the \(role.rawValue) socket", cause: error)
                }
            }
        }
        publishing = try PublisherThread(socket: publisher, endpoint: configuration.publishEndpoint, logger: logger)
        var bound = ["snapshot": try Self.bind(snapshot, configuration.snapshotEndpoint, "snapshot")]
        bound["publish"] = try Self.bind(publisher, configuration.publishEndpoint, "publish")
        var ingestBound: [String] = []
        for endpoint in configuration.ingestBinds { ingestBound.append(try Self.bind(ingest, endpoint, "ingest")) }
        for endpoint in configuration.ingestConnects {
            do { try ingest.connect(endpoint) } catch {
                throw ServerError("cannot connect to producer endpoint \(endpoint)", cause: error)
            }
        }
        if !ingestBound.isEmpty { bound["ingest"] = ingestBound.joined(separator: ",") }
        if !configuration.ingestConnects.isEmpty { bound["ingest-connect"] = configuration.ingestConnects.joined(separator: ",") }
        if let reliable {
            bound["reliable"] = try configuration.reliableEndpoints.map { (endpoint) throws(ServerError) in
                try Self.bind(reliable, endpoint, "reliable ingest")
            }.joined(separator: ",")
        }
        boundEndpoints = bound
        wakeIndex = poller.add(PollItem(fileDescriptor: wakePipe.readDescriptor, events: .readable))
        ingestIndex = poller.add(PollItem(socket: ingest, events: .readable))
        if let reliable {
            reliableIndex = poller.add(PollItem(socket: reliable, events: .readable))
        } else {
            reliableIndex = nil
        }
        snapshotIndex = poller.add(PollItem(socket: snapshot, events: .readable))
        snapshotStatistics = SnapshotStatistics(sequence: engine.sequence)
    }

    /// The largest frame an ingest socket reads (`ZMQ_MAXMSGSIZE`), unless `--max-event-bytes` is
    /// larger.
    static let maxFrameBytes: Int64 = 1 << 20

    /// Binds and returns the endpoint as bound (a wildcard port resolved).
    @discardableResult
    private static func bind(_ socket: Socket, _ endpoint: String, _ role: String) throws(ServerError) -> String {
        do { try socket.bind(endpoint) } catch {
            throw ServerError("cannot bind \(role) endpoint \(endpoint)", cause: error)
        }
        return (try? socket.lastEndpoint) ?? endpoint
    }


    /// Runs until a ``ServerCommand/stop`` arrives; publishes what is pending before returning.
    /// `commands` hands over what other threads asked for since the last wake-up; `report`
    /// receives the status every tick.
    func run(commands: () -> [ServerCommand], report: (ServerStatus) -> Void) {
        var interval = Duration.milliseconds(max(0, configuration.publishIntervalMilliseconds))
        let heartbeat = Duration.milliseconds(max(1, configuration.heartbeatMilliseconds))
        let tick = Duration.milliseconds(max(1, configuration.tickIntervalMilliseconds))
        now = .now
        publishing.start()
        engine.advanceClock(toUnixSeconds: wallSeconds)
        var nextPublish = now + interval
        var nextHeartbeat = now + heartbeat
        var nextTick = now
        running: while true {
            let deadline = min(hasChanges ? min(nextPublish, nextHeartbeat) : nextHeartbeat, nextTick)
            let timeout = (deadline - ContinuousClock.now).wholeMilliseconds
            do {
                _ = try poller.poll(timeoutMilliseconds: timeout)
            } catch {
                logger.error("poll failed: \(error)")
                break
            }
            iterations &+= 1
            now = .now
            wallSeconds = Int64(Date().timeIntervalSince1970)
            if poller.isReadable(wakeIndex) {
                wakePipe.drain()
                for command in commands() {
                    switch command {
                    case .stop:
                        break running
                    case .setPublishInterval(let milliseconds):
                        interval = .milliseconds(max(0, milliseconds))
                        nextPublish = min(nextPublish, now + interval)
                        logger.info("publish interval is now \(milliseconds) ms")
                    case .dropSubscribers(let revoked):
                        publishing.dropPeers(revoked: revoked)
                    case .wedge(let duration):
                        logger.warning("test hook: wedging the server loop for \(duration)")
                        Thread.sleep(forTimeInterval: Double(duration.components.seconds)
                            + Double(duration.components.attoseconds) / 1e18)
                        now = .now
                    }
                }
            }
            releaseDurable()
            caughtUp = true
            // While the publish interval is not 0, ingest holds the figures back until the next
            // publish (``Engine/deferFigures()``): an event updates one entry per (day, place,
            // agency) rather than its forty keys, and the publish (or a snapshot request, or a
            // checkpoint) adds each entry to its keys once, entries of one (month, place, agency)
            // sharing the keys above the day's — so what subscribers and snapshots see is exact,
            // and it changes at each publish as before. With 0 every pass publishes, and events
            // are applied directly.
            if interval > .zero { engine.deferFigures() }
            if poller.isReadable(ingestIndex) { drainIngest() }
            if let reliableIndex, poller.isReadable(reliableIndex) { drainReliable() }
            flush()
            if failure == nil, poller.isReadable(snapshotIndex) { answerSnapshots() }
            now = .now
            if hasChanges, interval == .zero || now >= nextPublish {
                publishChanges()
                nextPublish = now + interval
            } else if !hasChanges {
                nextPublish = max(nextPublish, now)
            }
            if now >= nextHeartbeat {
                engine.advanceClock(toUnixSeconds: wallSeconds)
                refusals.flush(now: DispatchTime.now().uptimeNanoseconds)
                outgoing.appendHeartbeat()
                release()
                nextHeartbeat = now + heartbeat
            }
            checkpointIfDue()
            if failure != nil { break }
            if now >= nextTick {
                let status = self.status
                report(status)
                configuration.onTick?(status)
                nextTick = now + tick
            }
        }
        publishChanges()
        awaitDurability()
        returnFreedMemory()
        checkpointIfDue(force: true, final: true)
        // The final checkpoint published what was left; its journal records are durable by now.
        awaitDurability()
        if let store, failure == nil, let problem = store.closeDatabase() { logger.warning("\(problem)") }
        report(status)
    }

    /// Gives the pages of freed memory back to the system before the clean stop's final
    /// checkpoint, which allocates tens of megabytes of its own (the copies of the changed cases,
    /// the sorted keys). glibc keeps what a thread frees in that thread's arena: the ingest backlog,
    /// drained by now, stays resident in libzmq's I/O thread's arena (44 MiB after a full backlog
    /// of 100,000 events, when that was `ingest-hwm`'s default), the last routine checkpoint's
    /// copies in its writer's. Without this the
    /// final checkpoint's allocations came on top of them, and the stop was the daemon's peak.
    private func returnFreedMemory() {
        #if canImport(Glibc)
        let started = ContinuousClock.now
        malloc_trim(0)
        logger.debug("freed memory returned to the system in \(ContinuousClock.now - started)")
        #endif
    }

    /// The loop's figures now.
    var status: ServerStatus {
        var status = ServerStatus()
        status.received = engine.ingest.received
        status.accepted = engine.ingest.accepted
        status.duplicates = engine.ingest.duplicates
        status.rejected = engine.ingest.rejected
        status.cases = engine.caseCount
        status.keys = engine.keyCount
        status.sequence = engine.sequence
        status.lastGap = lastGap
        status.snapshotsRefused = snapshotStatistics.refused
        status.loopIterations = iterations
        return status
    }

    /// Closes every socket (publishing lingers up to a second so the last updates leave).
    func close() {
        ingest.close()
        reliable?.close()
        snapshot.close()
        publishing.finish()
    }


    // MARK: Ingest

    /// Takes up to ``ServerConfiguration/batchSize`` best-effort messages, received
    /// ``ingestBatchCapacity`` at a time: receiving them together releases their shares of
    /// libzmq's read buffers together (see ``MultipartBatch``), tells where the next bodies
    /// lie, to ask for them ahead, and lets the engine look ahead of the event it applies: each
    /// batch's messages are decoded first, then their events applied together.
    private func drainIngest() {
        var left = configuration.batchSize
        while left > 0 {
            let received: Int
            do { received = try ingest.receiveBatch(into: ingestBatch, dontWait: true, limit: left) } catch {
                logger.error("ingest receive failed: \(error)")
                return
            }
            for index in 0..<received {
                // Empty past the batch's end: nothing asked for. (`decode` also asks for the
                // bytes after each body, which past the batch's end are most likely the next
                // batch's first message, still in libzmq's buffer.)
                ingestBatch.withUnsafeBytes(ofFrame: 1, of: index + 2) { Self.prefetch($0) }
                take(ingestBatch, index)
            }
            applyTaken(from: ingestBatch)
            // Fewer than asked for: nothing more was waiting.
            guard received == min(ingestBatch.capacity, left) else { return }
            left -= received
        }
        // A whole drain read: more are likely waiting.
        caughtUp = false
    }

    /// Decodes best-effort message `index` of `batch` and keeps its event in ``taken``, to be
    /// applied with the batch's others (``applyTaken(from:)``), or refuses it.
    private func take(_ batch: MultipartBatch, _ index: Int) {
        batch.withUnsafeBytes(ofFrame: 0, of: index) { topic in
            batch.withUnsafeBytes(ofFrame: 1, of: index) { body in
                let decoded = decode(
                    frameCount: batch.frameCount(of: index), topic: topic, body: body, checksRoom: false,
                    sender: { batch.message(frame: 1, of: index) })
                switch decoded {
                case .success(let event):
                    taken.append(event)
                    takenMessages.append(index)
                case .failure(let refusal): refuse(refusal, path: "best-effort")
                }
            }
        }
    }

    /// Applies the events ``take(_:_:)`` kept from `batch`, in the order they came, and empties
    /// ``taken``. When the store of texts has room for all of them (nearly always), the engine
    /// applies them together, asking ahead for what the look-ups of later events read
    /// (``Engine/applyReportingGaps(_:_:)``): at a million cases each event's case and id
    /// look-ups miss the cache, and asked for a few events ahead those misses overlap. When it has
    /// not, each is checked on its own as it comes, as ``decode(frameCount:topic:body:checksRoom:sender:)``
    /// checks a reliable one.
    private func applyTaken(from batch: MultipartBatch) {
        defer {
            taken.removeAll(keepingCapacity: true)
            takenMessages.removeAll(keepingCapacity: true)
        }
        guard !taken.isEmpty else { return }
        if engine.hasRoom(forTextsOf: taken) {
            engine.applyReportingGaps(taken) { position, outcome, gap in
                batch.withUnsafeBytes(ofFrame: 1, of: takenMessages[position]) { applied(outcome, body: $0) }
                if let gap { taken.withEvents { _, event in logGap(gap, producer: event(position).producer) } }
            }
            return
        }
        taken.withEvents { count, event in
            for position in 0..<count {
                let event = event(position)
                batch.withUnsafeBytes(ofFrame: 1, of: takenMessages[position]) { body in
                    guard hasRoom(for: event) else {
                        refuse(noRoomRefusal, path: "best-effort")
                        return
                    }
                    apply(event, body: body)
                }
            }
        }
    }

    private func drainReliable() {
        guard let reliable else { return }
        let identityFrame = frames[0], topicFrame = frames[1], bodyFrame = frames[2]
        for _ in 0..<configuration.batchSize {
            let count: Int?
            do { count = try reliable.receiveMultipart(into: frames, dontWait: true) } catch {
                logger.error("reliable receive failed: \(error)")
                return
            }
            guard let count, count >= 1 else { return }
            let identity = identityFrame.bytes
            topicFrame.withUnsafeBytes { topic in
                bodyFrame.withUnsafeBytes { body in
                    let none = UnsafeRawBufferPointer(start: nil, count: 0)
                    let decoded = decode(
                        frameCount: count - 1, topic: count >= 2 ? topic : none, body: count >= 3 ? body : none,
                        checksRoom: true, sender: { bodyFrame })
                    switch decoded {
                    case .success(let event):
                        apply(event, body: body)
                        replies.append([identity, Array("ACK".utf8), Array(event.id)])
                    case .failure(let refusal):
                        refuse(refusal, path: "reliable")
                        let id = decoder.lastEventID ?? ""
                        replies.append([
                            identity, Array("NACK".utf8), Array(id.utf8), Array(refusal.reason.rawValue.utf8),
                            Array(refusal.detail.utf8),
                        ])
                    }
                }
            }
        }
        caughtUp = false
    }

    /// Decodes an ingest message of `frameCount` frames, `topic` and `body` (empty when not
    /// received). `sender` gives the body's frame, for the identity the transport authenticated;
    /// it is only asked for with ``ServerConfiguration/security``. With `checksRoom`, an event the
    /// store of texts has no room for is refused (unless a redelivery); without, the caller
    /// checks before applying it. The event is lent by the decoder (no allocation): it is valid
    /// until the next message is decoded.
    private func decode(
        frameCount: Int, topic: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, checksRoom: Bool,
        sender: () -> Message?
    ) -> Result<CaseEventView, Refusal> {
        Self.prefetchFollowing(body)
        let result = IngestMessage.decodeView(
            topic: topic, body: body, frameCount: frameCount,
            maxEventBytes: configuration.maxEventBytes, now: wallSeconds, using: decoder)
        guard case .success(let event) = result else { return result }
        if let security = configuration.security {
            let identity = sender().flatMap { security.identity(of: $0) }
            guard let identity, identity.utf8.elementsEqual(event.producer) else {
                return .failure(Refusal(.unauthorized, "producer: not the authenticated identity \(identity.map { "'\($0)'" } ?? "(none)")"))
            }
        }
        guard !checksRoom || hasRoom(for: event) else { return .failure(noRoomRefusal) }
        return result
    }

    /// Whether the engine's store of texts has room for `event`'s, or it needs none: a
    /// redelivery adds no text, and is acknowledged as a duplicate, full store or not.
    private func hasRoom(for event: CaseEventView) -> Bool {
        engine.hasRoom(forTextsOf: event) || engine.isRedelivery(event)
    }

    /// The refusal of an event whose texts the engine's store has no room for.
    private var noRoomRefusal: Refusal {
        Refusal(.tooLarge, "the daemon's store of case texts is full (\(textStoreSize)): it takes no new texts")
    }

    /// The size of the engine's store of case texts, as a refusal names it.
    private var textStoreSize: String {
        let chunks = configuration.engine.textStoreChunks
        return chunks >= EngineConfiguration.maximumTextStoreChunks ? "4 GiB, some 45 million cases" : "\(chunks) MiB"
    }

    /// Bytes past an event's body asked for ahead: the next event's two frames, as the bench's
    /// are (a topic of 7 bytes, a body of up to 244, and their frame headers).
    static let followingBytes = 320

    /// The most best-effort messages received in one go before they are decoded and applied.
    static let ingestBatchCapacity = 32

    /// Asks the CPU for every line of `bytes`: the loop asks for the body two messages ahead in
    /// its batch while it works on this one, so that its lines, written by libzmq's I/O thread
    /// on the other core, come over meanwhile. A hint, which never faults.
    @inline(__always)
    static func prefetch(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return }
        for offset in stride(from: 0, to: bytes.count, by: 64) { cp_prefetch_read(start + offset) }
        cp_prefetch_read(start + bytes.count - 1)
    }

    /// Asks the CPU for the ``followingBytes`` after `body`. With zero-copy receive
    /// (``ServerConfiguration/receivesWithoutCopy``) the frames libzmq read together sit one
    /// after another in its read buffer, written there by the I/O thread on the other core, so
    /// the next event's body is most likely right after this one's: asked for now, its lines come
    /// over while this event is decoded and applied, rather than when the decoder copies them
    /// (that copy was 7% of this thread's samples). A hint: past the buffer, or with copies, it
    /// asks for lines nobody reads, and never faults.
    @inline(__always)
    static func prefetchFollowing(_ body: UnsafeRawBufferPointer) {
        guard let start = body.baseAddress else { return }
        let end = start + body.count
        for offset in stride(from: 0, to: followingBytes, by: 64) { cp_prefetch_read(end + offset) }
    }

    /// Applies a decoded event; an accepted one is journaled as the body it arrived in.
    private func apply(_ event: CaseEventView, body: UnsafeRawBufferPointer) {
        let (outcome, gap) = engine.applyReportingGap(event)
        applied(outcome, body: body)
        if let gap { logGap(gap, producer: event.producer) }
    }

    /// What follows each event the engine applied: the figures settled when enough are held
    /// back, and an accepted event journaled as the body it arrived in.
    @inline(__always)
    private func applied(_ outcome: ApplyOutcome, body: UnsafeRawBufferPointer) {
        engine.settleFiguresIfFull()
        if outcome == .accepted, let journal = store.map({ Unmanaged.passUnretained($0) }) {
            // `self` holds the store: borrowed, not retained. Retaining and releasing it per event
            // cost 3% of this thread (the release's atomic waited for the body's copy to land).
            let pendingBytes = journal._withUnsafeGuaranteedRef { store in
                store.append(body: body)
                return store.fsync == .always ? Int.max : store.pendingBytes
            }
            // One journal record per event with --fsync always; otherwise per batch, cut short
            // when very large events would make one record huge.
            if pendingBytes >= Self.maxRecordBytes { flush() }
        }
    }

    /// Notes and logs a gap in `producer`'s sequence numbers.
    private func logGap(_ gap: ClosedRange<UInt64>, producer bytes: UnsafeRawBufferPointer) {
        let producer = String(decoding: bytes, as: UTF8.self)
        lastGap = "\(producer): \(gap.lowerBound)…\(gap.upperBound)"
        refusals.log(
            .warning,
            "producer \(producer): sequence gap, \(gap.count) missing (\(gap.lowerBound)…\(gap.upperBound))",
            now: DispatchTime.now().uptimeNanoseconds)
    }

    private func refuse(_ refusal: Refusal, path: String) {
        engine.recordRefusal(refusal.reason)
        refusals.log(.notice, "refused \(path) message: \(refusal)", now: DispatchTime.now().uptimeNanoseconds)
    }

    // MARK: Publishing

    /// Hands what the journal buffered to its flusher, and the replies waiting to ``release()``:
    /// they are sent once the events are durable (per the fsync mode), so an ACK means the event
    /// survives a crash. Stops the loop on the flusher's failure.
    private func flush() {
        if let store, failure == nil {
            if store.hasPending {
                do { try store.commitInBackground(inlineWhenIdle: caughtUp) } catch {
                    fail(error)
                    return
                }
            } else if let error = store.journalFailure {
                fail(error)
                return
            }
        }
        guard failure == nil, !replies.isEmpty else { return }
        release()
    }

    /// Sends the replies waiting and hands the outgoing batch to the publish thread once every
    /// journal record handed over so far is durable: at once when it is (and nothing older waits),
    /// else from ``releaseDurable()``. Nothing a crash could take back is acknowledged or
    /// published.
    private func release() {
        guard !outgoing.isEmpty || !replies.isEmpty else { return }
        let ticket = store?.lastTicket ?? 0
        if held.isEmpty, ticket <= store?.durableTicket ?? 0 {
            sendReplies(&replies)
            publishing.hand(&outgoing)
            return
        }
        if held.last?.ticket == ticket {
            held[held.count - 1].batch.append(contentsOf: outgoing)
            held[held.count - 1].replies.append(contentsOf: replies)
            outgoing.removeAll()
            replies.removeAll(keepingCapacity: true)
        } else {
            held.append(Held(ticket: ticket, batch: outgoing, replies: replies))
            outgoing = PublisherThread.Batch()
            replies = []
        }
    }

    /// Sends and hands over, in order, what waited for journal records that are now durable.
    private func releaseDurable() {
        guard !held.isEmpty, let store, failure == nil else { return }
        let durable = store.durableTicket
        var released = 0
        while released < held.count, held[released].ticket <= durable {
            sendReplies(&held[released].replies)
            publishing.hand(&held[released].batch)
            released += 1
        }
        held.removeFirst(released)
    }

    /// Waits until every journal record handed over is durable and releases what waited for them
    /// (before a snapshot is answered, and at the stop).
    private func awaitDurability() {
        guard let store, failure == nil else { return }
        if store.lastTicket > store.durableTicket {
            do { try store.waitUntilDurable() } catch {
                fail(error)
                return
            }
        }
        releaseDurable()
    }

    private func sendReplies(_ waiting: inout [[[UInt8]]]) {
        guard !waiting.isEmpty else { return }
        if let reliable {
            for reply in waiting { send(reliable, reply) }
        }
        waiting.removeAll(keepingCapacity: true)
    }

    private func fail(_ error: StoreError) {
        logger.critical("\(error); stopping so that a restart recovers from the durable state")
        failure = ServerError("the state store failed", detail: error.description)
        // What waited for the journal is never acknowledged or published.
        replies.removeAll()
        held.removeAll()
    }

    /// Folds the journal into the stored records when it has grown or aged enough (or `force`).
    /// A routine checkpoint is cut in slices of ``checkpointSlice`` cases, one per pass of the
    /// loop, and written by the store's writer thread, so that events keep flowing; the final one
    /// of a clean stop is written here. Once a background write is done, a failure stops the loop.
    private func checkpointIfDue(force: Bool = false, final: Bool = false) {
        guard let store, failure == nil else { return }
        do {
            if let took = try store.finishedCheckpoint() {
                logger.debug("checkpoint written in \(took)")
                if let reason = store.takeCheckpointPriorityFailure() {
                    logger.warning("the checkpoint writer runs at normal CPU priority, so checkpoints delay figures more: \(reason)")
                }
            }
            if force {
                publishChanges()
                guard failure == nil else { return }
                let started = ContinuousClock.now
                try store.checkpoint(engine, final: final)
                lastCheckpoint = ContinuousClock.now
                logger.debug("checkpoint \(final ? "of the clean stop " : "")written in \(lastCheckpoint - started)")
                switch final ? store.imageWritten : nil {
                case .success(let image):
                    logger.info("engine image of \(engine.caseCount) cases written in \(image.took) (\(image.bytes) bytes); the next start reads it")
                case .failure(let error):
                    logger.warning("no engine image written, \(error); the next start rebuilds the figures from the case records")
                case nil:
                    break
                }
                return
            }
            let due = store.eventsSinceCheckpoint >= configuration.checkpointEvents
                || (store.eventsSinceCheckpoint > 0 && now - lastCheckpoint >= .seconds(configuration.checkpointSeconds))
            guard store.isCuttingCheckpoint || (due && !store.isCheckpointInFlight) else { return }
            if !store.isCuttingCheckpoint { cutStarted = ContinuousClock.now }
            if try store.checkpointSlice(engine, slice: Self.checkpointSlice) {
                lastCheckpoint = ContinuousClock.now
                logger.debug("checkpoint cut in \(lastCheckpoint - cutStarted); writing it in the background")
            }
        } catch {
            fail(error)
        }
    }

    /// Bytes of event bodies after which a batch is committed before it is complete (a batch of
    /// 4,096 events at `--max-event-bytes` far above the default would otherwise be one record of
    /// gigabytes).
    static let maxRecordBytes = 64 << 20

    /// Changed cases a checkpoint copies per pass of the loop (about a millisecond's work).
    static let checkpointSlice = 8192

    /// Whether a key changed since the last publish: the engine's, or `/sys/snapshots`.
    private var hasChanges: Bool { engine.hasChanges || snapshotStatistics.isDirty }

    private func publishChanges() {
        flush()
        guard failure == nil else { return }
        if let store {
            let pending = UInt64(engine.pendingChangeCount) + (snapshotStatistics.isDirty ? 1 : 0)
            do { try store.ensureSequence(engine.sequence + pending + 1, configuration: configuration.engine) } catch {
                fail(error)
                return
            }
        }
        if let current = publishing.subscriptions(changedSince: &subscriptionsVersion) { subscriptions = current }
        // Every change is numbered (snapshots carry the numbers); only what some subscriber
        // asked for is named and handed to the publish thread. The loop's copy of the
        // subscriptions can lag the socket by a wake-up of the publish thread, so after a snapshot
        // request — a Clone client subscribes, then asks — everything is handed over until the
        // copy covers the request's subtree, and the publish thread, which reads the subscriptions
        // just before it sends, decides.
        let everything = snapshotWindows.isOpen(at: now, covering: subscriptions)
        let filter = subscriptions
        engine.publishChanges(namingFigures: everything || filter.mayMatchFigures, values: { key, sequence, value in
            if everything || filter.matches(key) { outgoing.append(key: key, sequence: sequence, value: value) }
        })
        if snapshotStatistics.isDirty {
            // The loop's own key takes the engine's next number, so numbers stay strictly increasing
            // across every key (and the store's reservation above covers it).
            let sequence = engine.sequence + 1
            engine.raiseSequence(to: sequence)
            snapshotStatistics.published(at: sequence)
            let key = Array(SnapshotStatistics.key.utf8), value = Array(snapshotStatistics.json.utf8)
            key.withUnsafeBytes { key in
                value.withUnsafeBytes { value in
                    if everything || filter.matches(key) { outgoing.append(key: key, sequence: sequence, value: .json(value)) }
                }
            }
        }
        release()
    }

    private func answerSnapshots() {
        for _ in 0..<64 {
            let count: Int?
            do { count = try snapshot.receiveMultipart(into: requestFrames, dontWait: true) } catch {
                logger.error("snapshot receive failed: \(error)")
                return
            }
            guard let count else { return }
            // `count` is the message's frames, `requestFrames` only its first three: a longer
            // message is not a request however it begins.
            let request = requestFrames.prefix(count).map(\.bytes)
            guard count == 3, request[1] == Array(ClusteredHashmap.snapshotRequest.utf8) else {
                logger.notice("ignored a snapshot request that is not ICANHAZ? (\(count) frames)")
                continue
            }
            // Figures only for a key still listed: the connection may predate a reload that
            // revoked it.
            if let security = configuration.security, security.subscriberIdentity(of: requestFrames[1]) == nil {
                refuseSnapshot(to: request[0], sender: requestFrames[1].property("User-Id"))
                continue
            }
            // Publish what is pending first, so the snapshot's sequence numbers and the updates a
            // subscriber holds agree (Clone pattern: discard updates not newer than the snapshot).
            publishChanges()
            // The snapshot shows the engine as it is: only once all of it is durable.
            awaitDurability()
            guard failure == nil else { return }
            snapshotWindows.open(subtree: request[2], at: now)
            let identity = request[0]
            let subtree = String(decoding: request[2], as: UTF8.self)
            var sent = 0
            engine.forEachEntry(under: subtree) { entry in
                send(snapshot, [identity] + ClusteredHashmap.keyValueFrames(
                    key: entry.key, sequence: entry.sequence, value: entry.value))
                sent += 1
            }
            if SnapshotStatistics.key.hasPrefix(subtree) {
                send(snapshot, [identity] + ClusteredHashmap.keyValueFrames(
                    key: SnapshotStatistics.key, sequence: snapshotStatistics.sequence, value: snapshotStatistics.json))
                sent += 1
            }
            send(snapshot, [identity] + ClusteredHashmap.snapshotEndFrames(sequence: engine.sequence, subtree: subtree))
            logger.debug("snapshot of \(subtree.isEmpty ? "everything" : subtree): \(sent) keys at \(engine.sequence)")
        }
    }

    /// Answers a snapshot request with `["NACK", "unauthorized", detail]`, counts and logs it.
    private func refuseSnapshot(to identity: [UInt8], sender: String?) {
        snapshotStatistics.countRefusal()
        let who = sender.map { "subscriber '\($0)'" } ?? "a peer without a CURVE identity"
        refusals.log(
            .notice, "refused a snapshot request from \(who): its key is not in the subscriber allowlist",
            now: DispatchTime.now().uptimeNanoseconds)
        send(snapshot, [identity] + ClusteredHashmap.refusalFrames(
            reason: RefusalReason.unauthorized.rawValue,
            detail: "the key of this connection is not in the subscriber allowlist"))
    }

    private func send(_ socket: Socket, _ frames: [[UInt8]]) {
        do { _ = try socket.send(multipart: frames) } catch {
            logger.warning("send failed: \(error)")
        }
    }
}
