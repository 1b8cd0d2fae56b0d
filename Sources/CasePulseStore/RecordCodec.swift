import CasePulseCore

/// The binary layout of a ``CaseRecord`` in the `cases` table (format 1, little-endian):
///
/// ```
/// u8  layout version (1)
/// u8  flags: 1 voided, 2 filing, 4 decision, 8 closing
/// var seen count, then u64 per seen id hash
/// filing:   i64 at, str id, u64 region, u8 region digits, str agency, u8 channel, opt-str subject
/// decision: i64 at, str id, u64 region, u8 region digits, str agency, u8 decision, u8 reason (255 none),
///           i64 fine_fen, i64 waived_fen, opt-str subject
/// closing:  i64 at, str id, u64 region, u8 region digits, str agency
/// ```
///
/// `var` is LEB128; `str` is a `var` byte count then UTF-8; `opt-str` is a `var` of count + 1, 0 when
/// absent. Documented in `Protocols/STATE.md`.
enum RecordCodec {
    static let version: UInt8 = 1

    static func encode(_ record: CaseRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(version)
        var flags: UInt8 = record.voided ? 1 : 0
        if record.filing != nil { flags |= 2 }
        if record.decision != nil { flags |= 4 }
        if record.closing != nil { flags |= 8 }
        out.append(flags)
        putVar(&out, UInt64(record.seen.count))
        for hash in record.seen { putFixed(&out, hash) }
        if let filing = record.filing {
            putPlacement(&out, filing)
            out.append(filing.channel == .online ? 0 : 1)
            putOptional(&out, filing.subject)
        }
        if let decision = record.decision {
            putPlacement(&out, decision)
            out.append(decision.decision?.rawValue ?? Decision.standard.rawValue)
            out.append(decision.reason?.rawValue ?? 255)
            putFixed(&out, UInt64(bitPattern: decision.fineFen))
            putFixed(&out, UInt64(bitPattern: decision.waivedFen))
            putOptional(&out, decision.subject)
        }
        if let closing = record.closing { putPlacement(&out, closing) }
        return out
    }

    /// Appends to `out` the record of a case lent by ``ChangedCases/forEachCase(canonicalizing:_:)``:
    /// the same bytes ``encode(_:)`` makes of that case's ``CaseRecord``, written straight from its
    /// fields.
    static func encode(_ view: ChangedCaseView, into out: inout [UInt8]) {
        out.append(version)
        let filing = view.filing, decision = view.decision, closing = view.closing
        var flags: UInt8 = view.voided ? 1 : 0
        if filing != nil { flags |= 2 }
        if decision != nil { flags |= 4 }
        if closing != nil { flags |= 8 }
        out.append(flags)
        putVar(&out, UInt64(view.seenCount))
        view.forEachSeenHash { putFixed(&out, $0) }
        if let filing {
            putPlacement(&out, filing)
            out.append(view.filedOnline ? 0 : 1)
            putOptional(&out, view.filingSubject)
        }
        if let decision {
            putPlacement(&out, decision)
            out.append(view.decided.rawValue)
            out.append(view.reason?.rawValue ?? 255)
            putFixed(&out, UInt64(bitPattern: view.fineFen))
            putFixed(&out, UInt64(bitPattern: view.waivedFen))
            putOptional(&out, view.decisionSubject)
        }
        if let closing { putPlacement(&out, closing) }
    }

    static func decode(caseID: String, _ bytes: some Collection<UInt8>) throws(StoreError) -> CaseRecord {
        let id = Array(caseID.utf8), bytes = Array(bytes)
        let result = id.withUnsafeBytes { id in
            bytes.withUnsafeBytes { record in Result { () throws(StoreError) in try withRecord(caseID: id, record) { CaseRecord($0) } } }
        }
        return try result.get()
    }

    /// Calls `body` with the record whose bytes are `bytes`, of the case whose id is `caseID`'s
    /// UTF-8 bytes: a view into those bytes, so decoding allocates nothing. Throws, naming the
    /// case, for bytes that are not a record.
    static func withRecord<R>(
        caseID: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer, _ body: (CaseRecordView) -> R
    ) throws(StoreError) -> R {
        var reader = Reader(bytes: bytes)
        func failure(_ what: String) -> StoreError {
            StoreError("case \(String(decoding: caseID, as: UTF8.self)): \(what)")
        }
        do {
            guard try reader.byte() == version else { throw failure("unknown record layout") }
            let flags = try reader.byte()
            let count = try reader.varint()
            guard count <= UInt64(reader.remaining / 8) else { throw failure("corrupt record") }
            let seen = try reader.bytes(count: Int(count) * 8)
            var filing: CaseEventView?
            var decision: CaseEventView?
            var closing: CaseEventView?
            if flags & 2 != 0 {
                var event = try reader.placement(caseID: caseID, type: .filed)
                event.channel = try reader.byte() == 0 ? .online : .offline
                event.subject = try reader.optionalBytes()
                filing = event
            }
            if flags & 4 != 0 {
                var event = try reader.placement(caseID: caseID, type: .decided)
                event.decision = Decision(rawValue: try reader.byte())
                let reason = try reader.byte()
                event.reason = reason == 255 ? nil : Reason(rawValue: reason)
                event.fineFen = Int64(bitPattern: try reader.fixed())
                event.waivedFen = Int64(bitPattern: try reader.fixed())
                event.subject = try reader.optionalBytes()
                guard event.decision != nil else { throw failure("corrupt decision") }
                decision = event
            }
            if flags & 8 != 0 { closing = try reader.placement(caseID: caseID, type: .closed) }
            guard reader.atEnd else { throw failure("trailing bytes in record") }
            return body(CaseRecordView(
                caseID: caseID, voided: flags & 1 != 0, seenHashes: seen, filing: filing, decision: decision,
                closing: closing))
        } catch let error as StoreError {
            throw error
        } catch {
            throw failure("truncated record")
        }
    }

    private static func putPlacement(_ out: inout [UInt8], _ event: CaseEvent) {
        putFixed(&out, UInt64(bitPattern: event.at))
        putString(&out, event.id)
        putFixed(&out, event.region.value)
        out.append(event.region.length)
        putString(&out, event.agency)
    }

    private static func putPlacement(_ out: inout [UInt8], _ event: ChangedCaseView.Event) {
        putFixed(&out, UInt64(bitPattern: event.at))
        putBytes(&out, event.id)
        putFixed(&out, event.region.value)
        out.append(event.region.length)
        putBytes(&out, event.agency)
    }

    private static func putBytes(_ out: inout [UInt8], _ bytes: UnsafeRawBufferPointer) {
        putVar(&out, UInt64(bytes.count))
        out.append(contentsOf: bytes)
    }

    private static func putOptional(_ out: inout [UInt8], _ bytes: UnsafeRawBufferPointer?) {
        guard let bytes else { return out.append(0) }
        putVar(&out, UInt64(bytes.count) + 1)
        out.append(contentsOf: bytes)
    }

    static func putVar(_ out: inout [UInt8], _ value: UInt64) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    /// Appends `value` in its little-endian bytes.
    static func putFixed<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func putString(_ out: inout [UInt8], _ text: String) {
        putVar(&out, UInt64(text.utf8.count))
        out.append(contentsOf: text.utf8)
    }

    private static func putOptional(_ out: inout [UInt8], _ text: String?) {
        guard let text else { return out.append(0) }
        putVar(&out, UInt64(text.utf8.count) + 1)
        out.append(contentsOf: text.utf8)
    }

    struct Truncated: Error {}

    /// Reads a record's fields from its bytes, in place.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        var remaining: Int { bytes.count - offset }

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw Truncated() }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try byte()
                guard shift < 64 else { throw Truncated() }
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }

        mutating func fixed() throws -> UInt64 {
            guard offset + 8 <= bytes.count else { throw Truncated() }
            defer { offset += 8 }
            return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }

        /// The next `count` bytes.
        mutating func bytes(count: Int) throws -> UnsafeRawBufferPointer {
            guard count >= 0, count <= remaining else { throw Truncated() }
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        }

        /// A text: its byte count, then its bytes.
        mutating func text() throws -> UnsafeRawBufferPointer {
            try bytes(count: Int(clamping: try varint()))
        }

        mutating func optionalBytes() throws -> UnsafeRawBufferPointer? {
            let count = try varint()
            return count == 0 ? nil : try bytes(count: Int(clamping: count - 1))
        }

        /// The fields every counting event has, as an event of `type` in the case `caseID`.
        mutating func placement(caseID: UnsafeRawBufferPointer, type: EventType) throws -> CaseEventView {
            let at = Int64(bitPattern: try fixed())
            let id = try text()
            let value = try fixed()
            let digits = try byte()
            let agency = try text()
            guard let region = RegionCode(value: value, length: Int(digits)) else { throw Truncated() }
            return CaseEventView(
                id: id, producer: UnsafeRawBufferPointer(start: nil, count: 0), seq: nil, type: type, caseID: caseID,
                at: at, region: region, agency: agency, channel: nil, subject: nil, decision: nil, reason: nil,
                listItem: nil, fineFen: 0, waivedFen: 0)
        }
    }
}
