/// Reads an engine image written by an ``ImageEncoder``, pulling its blocks from a source as it
/// goes (see ``Engine/restoreImage(from:)``).
///
/// The decoder does no I/O: the source hands it each block, already checked (the state store
/// verifies each block's checksum first). Reading past the last block throws
/// ``ImageError/truncated``. One owner, one thread.
public final class ImageDecoder {
    private let source: () throws -> UnsafeRawBufferPointer?
    private var block = UnsafeRawBufferPointer(start: nil, count: 0)
    private var position = 0

    /// A decoder that asks `source` for the next block whenever the current one is used up;
    /// `source` returns `nil` after the last. A block stays valid until the next is asked for.
    public init(source: @escaping () throws -> UnsafeRawBufferPointer?) {
        self.source = source
    }

    /// Whether every byte was read: none is left in the current block and the source has no
    /// more blocks.
    public func isAtEnd() throws -> Bool {
        guard position == block.count else { return false }
        return try source() == nil
    }

    private func nextBlock() throws {
        repeat {
            guard let next = try source() else { throw ImageError.truncated }
            block = next
            position = 0
        } while block.isEmpty
    }

    /// Fills `target` with the next bytes.
    private func bytes(into target: UnsafeMutableRawBufferPointer, count: Int) throws {
        guard let base = target.baseAddress else { return }
        try bytes(into: base, count: count)
    }

    /// Reads `count` bytes into `target`, across blocks.
    func bytes(into target: UnsafeMutableRawPointer, count: Int) throws {
        var offset = 0
        while offset < count {
            if position == block.count { try nextBlock() }
            let step = min(block.count - position, count - offset)
            if let base = block.baseAddress {
                (target + offset).copyMemory(from: base + position, byteCount: step)
            }
            position += step
            offset += step
        }
    }

    /// Reads a value from its little-endian bytes.
    @inline(__always)
    func fixed<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        if block.count - position >= size, let base = block.baseAddress {
            defer { position += size }
            return T(littleEndian: base.loadUnaligned(fromByteOffset: position, as: T.self))
        }
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { try bytes(into: $0, count: size) }
        return T(littleEndian: value)
    }

    @inline(__always)
    func u64() throws -> UInt64 { try fixed(UInt64.self) }

    @inline(__always)
    func u32() throws -> UInt32 { try fixed(UInt32.self) }

    @inline(__always)
    func u8() throws -> UInt8 { try fixed(UInt8.self) }

    @inline(__always)
    func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    @inline(__always)
    func i32() throws -> Int32 { Int32(bitPattern: try u32()) }

    func i128() throws -> Int128 {
        let low = try u64()
        let high = try u64()
        return Int128(Int64(bitPattern: high)) << 64 | Int128(low)
    }

    /// A count written as u64 that must not pass `limit`.
    func count(atMost limit: Int, _ what: StaticString) throws -> Int {
        let value = try u64()
        guard value <= UInt64(limit) else { throw ImageError.corrupt("\(what) \(value) exceeds \(limit)") }
        return Int(value)
    }

    /// `count` words written by ``ImageEncoder/words(_:)``.
    func words<Word: FixedWidthInteger>(count: Int, of _: Word.Type = UInt64.self) throws -> ContiguousArray<Word> {
        try ContiguousArray(unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { try bytes(into: base, count: count * MemoryLayout<Word>.stride) }
            initialized = count
        }
    }

    /// A string written by ``ImageEncoder/string(_:)``; at most `limit` bytes.
    func string(atMost limit: Int = 1 << 20) throws -> String {
        let length = Int(try u32())
        guard length <= limit else { throw ImageError.corrupt("a text of \(length) bytes") }
        return try String(unsafeUninitializedCapacity: length) { buffer in
            if let base = buffer.baseAddress { try bytes(into: base, count: length) }
            return length
        }
    }
}

/// Why an engine image cannot be restored. The state store then rebuilds the engine from the
/// case records, which are the source of truth.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The image ends before its last value.
    case truncated
    /// A value is out of range or the layout is not this build's.
    case corrupt(String)
    /// The image was cut with another zone or day retention than the engine's.
    case calendarMismatch
    /// The image is not the one of the last clean stop (its token is not the state's).
    case otherStop

    /// Why, as the end of a sentence naming the image.
    public var description: String {
        switch self {
        case .truncated: "it ends early"
        case .corrupt(let detail): "it does not read back (\(detail))"
        case .calendarMismatch: "it was written with another time zone or day retention"
        case .otherStop: "it belongs to another stop than the state's last one"
        }
    }
}
