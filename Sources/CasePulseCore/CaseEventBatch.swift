/// Decoded events that share one buffer for their texts: how a reader hands events to another
/// thread with one allocation per batch rather than one per event.
///
/// A ``CaseEvent`` owns an array for its texts, so each one passed between threads costs a
/// malloc on the thread that decodes it, a retain and release per copy, and a free on the thread
/// that applies it. A batch copies each event's texts into its one byte buffer
/// (``append(_:)``) and lends them back as views of that buffer (``forEach(_:)``); emptied with
/// ``removeAll(keepingCapacity:)`` it is filled again without allocating.
public struct CaseEventBatch: Sendable {
    /// The texts of every event, one event after another, each in ``Fields`` order.
    private var texts: [UInt8] = []
    /// Every event's fixed-size fields and where its texts end.
    private var events: [Fields] = []

    /// One event with its texts as ranges of ``texts``.
    private struct Fields: Sendable {
        /// Where id, producer, case, agency, subject and list item end in ``texts``, in that order;
        /// element 6 is where the event's first text begins.
        var ends: SIMD8<UInt32>
        /// Whether `subject` (bit 0) and `listItem` (bit 1) are present.
        var presentTexts: UInt8
        var seq: UInt64?
        var type: EventType
        var at: Int64
        var region: RegionCode
        var channel: Channel?
        var decision: Decision?
        var reason: Reason?
        var fineFen: Int64
        var waivedFen: Int64
    }

    /// An empty batch.
    public init() {}

    /// How many events the batch holds.
    public var count: Int { events.count }

    /// Whether the batch holds no event.
    public var isEmpty: Bool { events.isEmpty }

    /// Copies `event`, texts included, to the end of the batch.
    public mutating func append(_ event: CaseEventView) {
        var ends = SIMD8<UInt32>()
        ends[6] = UInt32(texts.count)
        func put(_ text: UnsafeRawBufferPointer?, _ index: Int) {
            if let text { texts.append(contentsOf: text) }
            ends[index] = UInt32(texts.count)
        }
        put(event.id, 0)
        put(event.producer, 1)
        put(event.caseID, 2)
        put(event.agency, 3)
        put(event.subject, 4)
        put(event.listItem, 5)
        events.append(Fields(
            ends: ends, presentTexts: (event.subject == nil ? 0 : 1) | (event.listItem == nil ? 0 : 2),
            seq: event.seq, type: event.type, at: event.at, region: event.region, channel: event.channel,
            decision: event.decision, reason: event.reason, fineFen: event.fineFen, waivedFen: event.waivedFen))
    }

    /// Calls `body` with each event in the order appended, its texts lent from the batch's buffer
    /// for the duration of the call.
    public func forEach(_ body: (CaseEventView) throws -> Void) rethrows {
        try texts.withUnsafeBytes { all in
            for fields in events {
                let ends = fields.ends
                @inline(__always)
                func text(_ index: Int) -> UnsafeRawBufferPointer {
                    let start = index == 0 ? ends[6] : ends[index - 1]
                    return UnsafeRawBufferPointer(rebasing: all[Int(start)..<Int(ends[index])])
                }
                try body(CaseEventView(
                    id: text(0), producer: text(1), seq: fields.seq, type: fields.type, caseID: text(2),
                    at: fields.at, region: fields.region, agency: text(3), channel: fields.channel,
                    subject: fields.presentTexts & 1 == 0 ? nil : text(4), decision: fields.decision,
                    reason: fields.reason, listItem: fields.presentTexts & 2 == 0 ? nil : text(5),
                    fineFen: fields.fineFen, waivedFen: fields.waivedFen))
            }
        }
    }

    /// Removes every event; with `keepingCapacity` the buffers stay allocated for the next ones.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        texts.removeAll(keepingCapacity: keepingCapacity)
        events.removeAll(keepingCapacity: keepingCapacity)
    }
}
