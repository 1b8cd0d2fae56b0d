extension KeyFigures {
    /// Appends the figures to `out` packed: each of the 15 numbers, in declaration order, as a
    /// zigzag LEB128 word — a byte or two for most counts — where the value itself takes 144
    /// bytes. What a publish batch holds per changed key until its JSON is rendered.
    public func pack(into out: inout [UInt8]) {
        Self.put(filed, into: &out)
        Self.put(filedOnline, into: &out)
        Self.put(decided, into: &out)
        Self.put(byDecision.0, into: &out)
        Self.put(byDecision.1, into: &out)
        Self.put(byDecision.2, into: &out)
        Self.put(byDecision.3, into: &out)
        Self.put(byDecision.4, into: &out)
        Self.put(byReason.0, into: &out)
        Self.put(byReason.1, into: &out)
        Self.put(byReason.2, into: &out)
        Self.put(fineFen, into: &out)
        Self.put(waivedFen, into: &out)
        Self.put(beneficiaries, into: &out)
        Self.put(closed, into: &out)
    }

    /// The figures ``pack(into:)`` wrote in `bytes`, all of them and nothing more; `nil` otherwise.
    public init?(packed bytes: UnsafeRawBufferPointer) {
        var reader = Reader(bytes: bytes)
        guard let filed = reader.int64(), let filedOnline = reader.int64(), let decided = reader.int64(),
            let d0 = reader.int64(), let d1 = reader.int64(), let d2 = reader.int64(), let d3 = reader.int64(),
            let d4 = reader.int64(), let r0 = reader.int64(), let r1 = reader.int64(), let r2 = reader.int64(),
            let fineFen = reader.int128(), let waivedFen = reader.int128(), let beneficiaries = reader.int64(),
            let closed = reader.int64(), reader.offset == bytes.count
        else { return nil }
        self.init(
            filed: filed, filedOnline: filedOnline, decided: decided, byDecision: (d0, d1, d2, d3, d4),
            byReason: (r0, r1, r2), fineFen: fineFen, waivedFen: waivedFen, beneficiaries: beneficiaries,
            closed: closed)
    }

    /// Appends `value` zigzag-encoded as LEB128.
    @inline(__always)
    private static func put<Value: FixedWidthInteger & SignedInteger>(_ value: Value, into out: inout [UInt8]) {
        var rest = Value.Magnitude(truncatingIfNeeded: (value << 1) ^ (value >> (Value.bitWidth - 1)))
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: rest))
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func int128() -> Int128? {
            var value: UInt128 = 0
            var shift = 0
            while offset < bytes.count, shift < 128 {
                let byte = bytes[offset]
                offset += 1
                value |= UInt128(byte & 0x7F) << shift
                if byte < 0x80 { return Int128(bitPattern: value >> 1) ^ -Int128(bitPattern: value & 1) }
                shift += 7
            }
            return nil
        }

        mutating func int64() -> Int64? {
            int128().flatMap { Int64(exactly: $0) }
        }
    }
}
