/// Writes an engine image: a stream of little-endian fixed-width values and byte runs, handed to
/// a sink in blocks of at most ``blockSize`` bytes (see ``Engine/writeImage(to:)``).
///
/// The encoder does no I/O: the sink decides where the blocks go (a file, with a checksum per
/// block, in the state store; an array, in tests). One owner, one thread.
public final class ImageEncoder {
    /// The most bytes handed to the sink at once.
    public let blockSize: Int
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private let buffer: UnsafeMutableRawPointer
    private var used = 0

    /// Bytes handed to the sink so far, and buffered.
    public private(set) var byteCount = 0

    /// An encoder that hands `sink` each full block, and the last one at ``finish()``.
    public init(blockSize: Int = 1 << 20, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        precondition(blockSize >= 16, "an image block holds at least 16 bytes")
        self.blockSize = blockSize
        self.sink = sink
        buffer = .allocate(byteCount: blockSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// Hands what is buffered to the sink.
    public func finish() throws {
        guard used > 0 else { return }
        try sink(UnsafeRawBufferPointer(start: buffer, count: used))
        used = 0
    }

    /// Writes `value` in its little-endian bytes.
    @inline(__always)
    func fixed<T: FixedWidthInteger>(_ value: T) throws {
        let size = MemoryLayout<T>.size
        if blockSize - used < size { try finish() }
        buffer.storeBytes(of: value.littleEndian, toByteOffset: used, as: T.self)
        used += size
        byteCount += size
    }

    @inline(__always)
    func u64(_ value: UInt64) throws { try fixed(value) }

    @inline(__always)
    func u32(_ value: UInt32) throws { try fixed(value) }

    @inline(__always)
    func u8(_ value: UInt8) throws { try fixed(value) }

    @inline(__always)
    func i64(_ value: Int64) throws { try u64(UInt64(bitPattern: value)) }

    @inline(__always)
    func i32(_ value: Int32) throws { try u32(UInt32(bitPattern: value)) }

    func i128(_ value: Int128) throws {
        try u64(UInt64(truncatingIfNeeded: value))
        try u64(UInt64(truncatingIfNeeded: value >> 64))
    }

    /// Writes `bytes` as they are (the reader must know their count).
    func bytes(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            if used == blockSize { try finish() }
            let step = min(blockSize - used, bytes.count - offset)
            if let base = bytes.baseAddress {
                (buffer + used).copyMemory(from: base + offset, byteCount: step)
            }
            used += step
            offset += step
            byteCount += step
        }
    }

    /// Writes `words` as they are held (little-endian on every host an image is made on); the
    /// reader must know their count.
    func words<Word: FixedWidthInteger>(_ words: ContiguousArray<Word>) throws {
        try words.withUnsafeBytes { try bytes($0) }
    }

    /// Writes a string: a u32 byte count, then its UTF-8.
    func string(_ text: String) throws {
        try text.withUTF8Bytes { bytes in
            try u32(UInt32(bytes.count))
            try self.bytes(bytes)
        }
    }
}
