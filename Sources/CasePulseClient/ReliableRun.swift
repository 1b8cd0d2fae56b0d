/// The bookkeeping of one ``ReliablePublisher/send(_:progress:)`` call: events in flight, their
/// send order for retransmission, and reply matching.
struct ReliableRun {
    /// One event in flight.
    struct Flight {
        /// The caller's id, the key of ``ReliableRun/flights``.
        var id: String
        /// Frame 1: the JSON text.
        var body: [UInt8]
        /// Whether the daemon is expected not to read ``id`` from the JSON (it NACKs with an empty
        /// or unknown id then).
        var anonymous: Bool
        /// Transmissions so far.
        var attempts: Int
        /// Identifies the latest transmission in ``ReliableRun/order``.
        var serial: Int
        /// When it was last transmitted.
        var sentAt: ContinuousClock.Instant
    }

    /// One transmission, in send order; stale once its event is answered or sent again.
    private struct Transmission {
        var id: String
        var serial: Int
    }

    /// The events in flight by id.
    private(set) var flights: [String: Flight] = [:]
    /// The counts and NACKs so far.
    var report = ReliableReport()

    private var order: [Transmission] = []
    private var orderHead = 0
    private var anonymousOrder: [String] = []
    private var anonymousHead = 0
    private var serial = 0
    /// Ids answered recently, so the reply to a retransmission is recognised as a repeat.
    private var recent: Set<String> = []
    private var recentRing: [String] = []
    private var recentNext = 0
    private let recentCapacity: Int

    private static let ack: [UInt8] = Array("ACK".utf8)
    private static let nack: [UInt8] = Array("NACK".utf8)

    /// Creates the bookkeeping for a publisher with the given window.
    init(window: Int) {
        recentCapacity = max(10_000, window * 8)
    }

    /// Records the first transmission of an event and returns it.
    mutating func add(id: String, body: [UInt8], anonymous: Bool, now: ContinuousClock.Instant) -> Flight {
        serial += 1
        let flight = Flight(id: id, body: body, anonymous: anonymous, attempts: 1, serial: serial, sentAt: now)
        flights[id] = flight
        order.append(Transmission(id: id, serial: serial))
        if anonymous { anonymousOrder.append(id) }
        return flight
    }

    /// When the oldest unanswered transmission becomes due for a retry `interval` after it.
    mutating func nextRetry(after interval: Duration) -> ContinuousClock.Instant? {
        oldestCurrent().map { $0.sentAt + interval }
    }

    /// Removes and returns the oldest unanswered event last sent at or before `cutoff`.
    mutating func popDue(before cutoff: ContinuousClock.Instant) -> Flight? {
        guard let flight = oldestCurrent(), flight.sentAt <= cutoff else { return nil }
        orderHead += 1
        compact()
        return flight
    }

    /// Records a retransmission of `flight` and returns it as sent now.
    mutating func resend(_ flight: Flight, now: ContinuousClock.Instant) -> Flight {
        serial += 1
        var again = flight
        again.attempts += 1
        again.serial = serial
        again.sentAt = now
        flights[flight.id] = again
        order.append(Transmission(id: flight.id, serial: serial))
        return again
    }

    /// Gives up on `flight` after its last attempt went unanswered.
    mutating func giveUp(_ flight: Flight) {
        resolve(flight.id)
        report.unanswered.append(flight.id)
    }

    /// Applies one reply: `["ACK", id]` or `["NACK", id, reason, detail]`; anything else is ignored.
    mutating func handle(reply frames: [[UInt8]]) {
        guard frames.count >= 2 else { return }
        let replyID = String(decoding: frames[1], as: UTF8.self)
        if frames[0] == Self.ack {
            guard let id = match(replyID) else { return }
            resolve(id)
            report.accepted += 1
        } else if frames[0] == Self.nack {
            guard let id = match(replyID) else { return }
            resolve(id)
            report.nacked += 1
            if report.nacks.count < ReliableReport.maxRecordedNacks {
                report.nacks.append(ReliableReport.Nack(
                    id: id,
                    reason: frames.count > 2 ? String(decoding: frames[2], as: UTF8.self) : "",
                    detail: frames.count > 3 ? String(decoding: frames[3], as: UTF8.self) : ""))
            }
        }
    }

    /// The in-flight event a reply with `replyID` answers: that id, or for an id the publisher does
    /// not know (and did not just answer), the oldest anonymous event in flight.
    private mutating func match(_ replyID: String) -> String? {
        if flights[replyID] != nil { return replyID }
        if !replyID.isEmpty, recent.contains(replyID) { return nil }
        while anonymousHead < anonymousOrder.count {
            let id = anonymousOrder[anonymousHead]
            if let flight = flights[id], flight.anonymous { return id }
            anonymousHead += 1
        }
        return nil
    }

    private mutating func resolve(_ id: String) {
        flights[id] = nil
        if recentRing.count < recentCapacity {
            recentRing.append(id)
        } else {
            recent.remove(recentRing[recentNext])
            recentRing[recentNext] = id
            recentNext = (recentNext + 1) % recentCapacity
        }
        recent.insert(id)
        if anonymousHead < anonymousOrder.count, anonymousOrder[anonymousHead] == id { anonymousHead += 1 }
    }

    /// The flight of the oldest transmission that is still its event's latest, dropping stale ones.
    private mutating func oldestCurrent() -> Flight? {
        while orderHead < order.count {
            let transmission = order[orderHead]
            if let flight = flights[transmission.id], flight.serial == transmission.serial { return flight }
            orderHead += 1
        }
        compact()
        return nil
    }

    private mutating func compact() {
        if orderHead > 4096, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
        if anonymousHead > 4096, anonymousHead * 2 > anonymousOrder.count {
            anonymousOrder.removeFirst(anonymousHead)
            anonymousHead = 0
        }
    }
}
