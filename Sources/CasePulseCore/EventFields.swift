/// One event's fields with its texts as ranges of a buffer shared with other events: how a
/// ``CaseEventBatch`` and a ``CaseRecordBatch`` keep events without an allocation each.
struct EventFields: Sendable {
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

    /// Copies `event`'s texts to the end of `bytes` and keeps its other fields.
    @inline(__always)
    init(appending event: CaseEventView, to bytes: inout [UInt8]) {
        texts = EventTexts(appending: event, to: &bytes)
        seq = event.seq
        type = event.type
        at = event.at
        region = event.region
        channel = event.channel
        decision = event.decision
        reason = event.reason
        fineFen = event.fineFen
        waivedFen = event.waivedFen
    }

    /// The event, its texts lent from `all`, the buffer they were appended to.
    @inline(__always)
    func view(in all: UnsafeRawBufferPointer) -> CaseEventView {
        CaseEventView(
            id: texts.required(.id, in: all), producer: texts.required(.producer, in: all), seq: seq, type: type,
            caseID: texts.required(.caseID, in: all), at: at, region: region, agency: texts.required(.agency, in: all),
            channel: channel, subject: texts.text(.subject, in: all), decision: decision, reason: reason,
            listItem: texts.text(.listItem, in: all), fineFen: fineFen, waivedFen: waivedFen)
    }
}
