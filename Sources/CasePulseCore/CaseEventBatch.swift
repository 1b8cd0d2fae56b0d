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
    /// Every event's fixed-size fields and where its texts lie.
    private var events: [EventFields] = []

    /// An empty batch.
    public init() {}

    /// How many events the batch holds.
    public var count: Int { events.count }

    /// Whether the batch holds no event.
    public var isEmpty: Bool { events.isEmpty }

    /// Copies `event`, texts included, to the end of the batch.
    public mutating func append(_ event: CaseEventView) {
        events.append(EventFields(appending: event, to: &texts))
    }

    /// Calls `body` with each event in the order appended, its texts lent from the batch's buffer
    /// for the duration of the call.
    public func forEach(_ body: (CaseEventView) throws -> Void) rethrows {
        try texts.withUnsafeBytes { all in
            for event in events { try body(event.view(in: all)) }
        }
    }

    /// Calls `body` with the number of events and a function that lends the event at an index
    /// (below that number; its texts lent from the batch's buffer for the duration of `body`):
    /// for a caller that looks ahead of the event it works on.
    public func withEvents<R>(_ body: (_ count: Int, _ event: (Int) -> CaseEventView) throws -> R) rethrows -> R {
        try texts.withUnsafeBytes { all in
            try events.withUnsafeBufferPointer { fields in try body(fields.count) { fields[$0].view(in: all) } }
        }
    }

    /// Removes every event; with `keepingCapacity` the buffers stay allocated for the next ones.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        texts.removeAll(keepingCapacity: keepingCapacity)
        events.removeAll(keepingCapacity: keepingCapacity)
    }
}
