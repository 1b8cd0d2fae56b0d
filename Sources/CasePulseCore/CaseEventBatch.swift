/// Decoded events that share one buffer for their texts: how a reader hands events to another
/// thread with one allocation per batch rather than one per event.
///
/// A ``CaseEvent`` owns an array for its texts, so each one passed between threads costs a
/// malloc on the thread that decodes it, a retain and release per copy, and a free on the thread
/// that applies it. A batch copies each event's texts into its one byte buffer
/// (``append(_:)``) and lends them back as views of that buffer (``forEach(_:)``); emptied with
/// ``removeAll(keepingCapacity:)`` it is filled again without allocating.
public struct CaseEventBatch: Sendable {
    /// The texts of every event, one event after another, each laid out as ``EventTexts`` says.
    private var texts: [UInt8] = []
    /// Every event's fixed-size fields and where its texts end.
    private var events: [Fields] = []

    /// One event with its texts as ranges of ``texts``.
    private struct Fields: Sendable {
        var texts: EventTexts
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
        events.append(Fields(
            texts: EventTexts(appending: event, to: &texts), seq: event.seq, type: event.type, at: event.at,
            region: event.region, channel: event.channel, decision: event.decision, reason: event.reason,
            fineFen: event.fineFen, waivedFen: event.waivedFen))
    }

    /// Calls `body` with each event in the order appended, its texts lent from the batch's buffer
    /// for the duration of the call.
    public func forEach(_ body: (CaseEventView) throws -> Void) rethrows {
        try texts.withUnsafeBytes { all in
            for event in events {
                let texts = event.texts
                try body(CaseEventView(
                    id: texts.required(.id, in: all), producer: texts.required(.producer, in: all), seq: event.seq,
                    type: event.type, caseID: texts.required(.caseID, in: all), at: event.at, region: event.region,
                    agency: texts.required(.agency, in: all), channel: event.channel,
                    subject: texts.text(.subject, in: all), decision: event.decision, reason: event.reason,
                    listItem: texts.text(.listItem, in: all), fineFen: event.fineFen, waivedFen: event.waivedFen))
            }
        }
    }

    /// Removes every event; with `keepingCapacity` the buffers stay allocated for the next ones.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        texts.removeAll(keepingCapacity: keepingCapacity)
        events.removeAll(keepingCapacity: keepingCapacity)
    }
}
