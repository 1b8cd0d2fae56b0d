/// Where the six texts of an event — id, producer, case, agency, subject, list item — lie in a
/// byte buffer, one after another in that order: the layout a ``CaseEvent`` keeps in its own
/// buffer, and a ``CaseEventBatch`` in one buffer for many events.
struct EventTexts: Sendable {
    /// Where each text ends, in that order; element 6 is where the first begins, element 7 unused.
    var ends: SIMD8<UInt32>
    /// Whether `subject` (bit 0) and `listItem` (bit 1) are present.
    var present: UInt8

    /// The indices of the texts, in buffer order.
    enum Text: Int, CaseIterable {
        case id, producer, caseID, agency, subject, listItem
    }

    /// Texts laid out by the caller.
    init(ends: SIMD8<UInt32>, present: UInt8) {
        self.ends = ends
        self.present = present
    }

    /// Appends `view`'s texts to `bytes` and notes where they lie.
    init(appending view: CaseEventView, to bytes: inout [UInt8]) {
        var ends = SIMD8<UInt32>()
        ends[6] = UInt32(bytes.count)
        func put(_ text: UnsafeRawBufferPointer?, _ field: Text) {
            if let text { bytes.append(contentsOf: text) }
            ends[field.rawValue] = UInt32(bytes.count)
        }
        put(view.id, .id)
        put(view.producer, .producer)
        put(view.caseID, .caseID)
        put(view.agency, .agency)
        put(view.subject, .subject)
        put(view.listItem, .listItem)
        self.init(ends: ends, present: (view.subject == nil ? 0 : 1) | (view.listItem == nil ? 0 : 2))
    }

    /// The positions of `field` in the buffer.
    @inline(__always)
    func range(_ field: Text) -> Range<Int> {
        Int(field == .id ? ends[6] : ends[field.rawValue - 1])..<Int(ends[field.rawValue])
    }

    /// Whether the optional `field` (subject or list item) is present; the others always are.
    @inline(__always)
    func holds(_ field: Text) -> Bool {
        switch field {
        case .subject: present & 1 != 0
        case .listItem: present & 2 != 0
        default: true
        }
    }

    /// The bytes of `field` in `all`, the buffer the texts lie in; `nil` when it is absent.
    @inline(__always)
    func text(_ field: Text, in all: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        holds(field) ? UnsafeRawBufferPointer(rebasing: all[range(field)]) : nil
    }

    /// The bytes of a text that is always present.
    @inline(__always)
    func required(_ field: Text, in all: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: all[range(field)])
    }
}
