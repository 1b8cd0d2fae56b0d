import CPrefetch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a text sits in a text store (a ``TextArena``, or the byte buffer of a ``ChangedCases``
/// slice): the offset of its length, which the store keeps just before its UTF-8 bytes (one byte
/// below 128, else two: LEB128). A reference is 32 bits, so a case's state names its five texts
/// in 20 bytes; the length costs the store a byte per text instead.
struct TextRef: Sendable, Equatable {
    /// The offset.
    var bits: UInt32

    /// No text (an absent party).
    static let none = TextRef(bits: .max)

    /// The longest text a store holds, in bytes (two bytes of length). The contract's longest
    /// text is 128 characters, at most 512 bytes of UTF-8.
    static let maximumLength = 0x3FFF

    init(bits: UInt32) { self.bits = bits }

    init(offset: Int) {
        bits = UInt32(offset)
    }

    /// Whether this is ``none``.
    var isNone: Bool { bits == .max }

    /// Byte offset of the text's length in its store.
    var offset: Int { Int(bits) }

    /// Bytes a store takes for a text of `length` bytes: its length, then its bytes.
    @inline(__always)
    static func storedSize(ofLength length: Int) -> Int { length + (length < 0x80 ? 1 : 2) }

    /// Writes `length` at `start`; returns the bytes written (1 or 2).
    @inline(__always)
    static func writeLength(_ length: Int, at start: UnsafeMutableRawPointer) -> Int {
        if length < 0x80 {
            start.storeBytes(of: UInt8(length), as: UInt8.self)
            return 1
        }
        start.storeBytes(of: UInt8(length & 0x7F | 0x80), as: UInt8.self)
        (start + 1).storeBytes(of: UInt8(length >> 7), as: UInt8.self)
        return 2
    }

    /// The text whose length is at `start`, in a store known to hold it.
    @inline(__always)
    static func text(at start: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let first = Int(start.load(as: UInt8.self))
        if first < 0x80 { return UnsafeRawBufferPointer(start: start + 1, count: first) }
        let length = first & 0x7F | Int(start.load(fromByteOffset: 1, as: UInt8.self)) << 7
        return UnsafeRawBufferPointer(start: start + 2, count: length)
    }

    /// The text whose length is at `start`, within `end` (`nil` when its length or bytes would
    /// pass `end`: only a damaged image can make such a reference).
    @inline(__always)
    static func text(at start: UnsafeRawPointer, end: UnsafeRawPointer) -> UnsafeRawBufferPointer? {
        guard start < end, start.load(as: UInt8.self) < 0x80 || start + 1 < end else { return nil }
        let text = text(at: start)
        guard let textStart = text.baseAddress, end - textStart >= text.count else { return nil }
        return text
    }

    /// Its bytes in `texts`, the bytes of the ``TextBytes`` that handed it out.
    @inline(__always)
    func bytes(in texts: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let base = texts.baseAddress,
            let text = Self.text(at: base + offset, end: base + texts.count)
        else { preconditionFailure("a text reference outside its store") }
        return text
    }
}

/// The engine's store of case texts — case ids, event ids, parties — as UTF-8 bytes packed one
/// after another in chunks of 1 MiB that never move.
///
/// A `String` longer than 15 bytes is a heap object of its own: some 48 bytes of allocation for
/// an 18-byte party code, and a pointer to chase. Here a text costs its bytes, a byte of length
/// and a 32-bit ``TextRef``, and a case's texts sit next to each other. The arena holds at most
/// 4 GiB (some 45 million cases of the bench's texts); the engine tells the daemon when an
/// event's texts would come near that (``Engine/hasRoom(forTextsOf:)``).
///
/// Append-only: a text that stops counting (an event superseded by a correction) keeps its bytes,
/// so the garbage grows only with corrections, by the length of each superseded id. One owner,
/// one thread, like the engine's other tables.
final class TextArena {
    /// log2 of the bytes per chunk.
    static var chunkShift: Int { 20 }
    /// Bytes per chunk.
    static var chunkSize: Int { 1 << chunkShift }

    @exclusivity(unchecked) private var chunks: [UnsafeMutableRawPointer] = []
    /// Bytes used in each chunk but the last (a text that does not fit starts a new chunk and
    /// leaves the rest of the old one unused).
    @exclusivity(unchecked) private var filled: [Int] = []
    /// Bytes used in the last chunk (a full chunk's size before the first, so the first append
    /// allocates).
    @exclusivity(unchecked) private var used = TextArena.chunkSize

    /// Bytes held, in all chunks.
    @exclusivity(unchecked) private(set) var byteCount = 0

    /// An empty arena of at most `chunkLimit` chunks.
    init(chunkLimit: Int = TextArena.maximumChunks) {
        precondition(chunkLimit >= 1 && chunkLimit <= Self.maximumChunks, "a text arena holds 1 to \(Self.maximumChunks) chunks")
        self.chunkLimit = chunkLimit
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    /// The most chunks an arena can hold: 4 GiB less one chunk, so that every offset fits a
    /// ``TextRef`` and none is ``TextRef/none``.
    static var maximumChunks: Int { ((1 << 32) >> chunkShift) - 1 }

    /// The most chunks this arena holds (``maximumChunks``; fewer in tests).
    let chunkLimit: Int

    /// Bytes the arena holds when full.
    var capacity: Int { chunkLimit * Self.chunkSize }

    /// Bytes the arena can still take; a text takes ``TextRef/storedSize(ofLength:)``, and one
    /// that does not fit the rest of a chunk starts the next one.
    var remainingBytes: Int { (chunkLimit - chunks.count) * Self.chunkSize + (Self.chunkSize - used) }

    /// Copies `bytes` into the arena, after their length. They must be at most
    /// ``TextRef/maximumLength`` long, and fit: the daemon refuses events whose texts would not
    /// (``Engine/hasRoom(forTextsOf:)``) well before the arena is full.
    func append(_ bytes: UnsafeRawBufferPointer) -> TextRef {
        precondition(bytes.count <= TextRef.maximumLength, "text of \(bytes.count) bytes is too long for a TextRef")
        let size = TextRef.storedSize(ofLength: bytes.count)
        if used + size > Self.chunkSize {
            precondition(chunks.count < chunkLimit, "the text arena is full (\(capacity) bytes)")
            if !chunks.isEmpty { filled.append(used) }
            chunks.append(.allocate(byteCount: Self.chunkSize, alignment: 16))
            used = 0
        }
        let chunk = chunks.count - 1
        let start = chunks[chunk] + used
        let header = TextRef.writeLength(bytes.count, at: start)
        if let source = bytes.baseAddress, !bytes.isEmpty {
            (start + header).copyMemory(from: source, byteCount: bytes.count)
        }
        let ref = TextRef(offset: chunk << Self.chunkShift | used)
        used += size
        byteCount += size
        return ref
    }

    /// Copies the UTF-8 of `text` into the arena.
    func append(_ text: String) -> TextRef {
        text.withUTF8Bytes { append($0) }
    }

    /// Calls `body` with the bytes of `ref`, which this arena handed out.
    @inline(__always)
    func withBytes<R>(_ ref: TextRef, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let offset = ref.offset
        return try body(TextRef.text(at: chunks[offset >> Self.chunkShift] + (offset & (Self.chunkSize - 1))))
    }

    /// The text of `ref`.
    func string(_ ref: TextRef) -> String {
        withBytes(ref) { String(decoding: $0, as: UTF8.self) }
    }

    /// Asks the CPU to start loading the line where the text of `ref` starts (its length and
    /// first bytes; a hint: nothing changes). `TextRef.none` asks for nothing.
    @inline(__always)
    func prefetch(_ ref: TextRef) {
        guard !ref.isNone, ref.offset >> Self.chunkShift < chunks.count else { return }
        cp_prefetch_read(UnsafeRawPointer(chunks[ref.offset >> Self.chunkShift] + (ref.offset & (Self.chunkSize - 1))))
    }

    // MARK: Images

    /// Number of chunks.
    var chunkCount: Int { chunks.count }

    /// Bytes the chunks take (allocated, whether filled or not).
    var allocatedBytes: Int { chunks.count * Self.chunkSize }

    /// Calls `body` with the bytes used in each chunk, in order (what an engine image stores).
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for (index, chunk) in chunks.enumerated() {
            let count = index < filled.count ? filled[index] : used
            try body(UnsafeRawBufferPointer(start: chunk, count: count))
        }
    }

    /// Appends a chunk whose first `count` bytes `fill` writes (restoring an image, chunk by chunk
    /// in order, so that every ``TextRef`` handed out before points at the same bytes again).
    /// `count` is at most ``chunkSize``.
    func appendChunk(count: Int, _ fill: (UnsafeMutableRawPointer) throws -> Void) rethrows {
        precondition(count >= 0 && count <= Self.chunkSize, "a text chunk holds at most \(Self.chunkSize) bytes")
        precondition(chunks.count < chunkLimit, "the text arena is full (\(capacity) bytes)")
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        do { try fill(chunk) } catch {
            chunk.deallocate()
            throw error
        }
        if !chunks.isEmpty { filled.append(used) }
        chunks.append(chunk)
        used = count
        byteCount += count
    }

    /// Whether `ref` lies within the bytes held (an image's references are checked before use).
    func holds(_ ref: TextRef) -> Bool {
        let offset = ref.offset
        let chunk = offset >> Self.chunkShift
        guard chunk < chunks.count else { return false }
        let base = UnsafeRawPointer(chunks[chunk])
        let end = base + (chunk < filled.count ? filled[chunk] : used)
        return TextRef.text(at: base + (offset & (Self.chunkSize - 1)), end: end) != nil
    }
}

/// The texts of changed cases copied out of the engine's arena for another thread: one growing
/// byte buffer, read through the same ``TextRef``s, rebased.
struct TextBytes: Sendable {
    private(set) var bytes: [UInt8] = []

    /// Appends `source` after its length and returns where they are.
    mutating func append(_ source: UnsafeRawBufferPointer) -> TextRef {
        precondition(bytes.count < Int(UInt32.max), "a slice's texts passed 4 GiB")
        let ref = TextRef(offset: bytes.count)
        withUnsafeTemporaryAllocation(byteCount: 2, alignment: 1) { header in
            if let start = header.baseAddress {
                let count = TextRef.writeLength(source.count, at: start)
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: header[..<count]))
            }
        }
        bytes.append(contentsOf: source)
        return ref
    }

    /// Calls `body` with the bytes of `ref`.
    func withBytes<R>(_ ref: TextRef, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { try body(ref.bytes(in: $0)) }
    }

    /// Forgets every text, keeping the storage.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// The text of `ref`.
    func string(_ ref: TextRef) -> String {
        withBytes(ref) { String(decoding: $0, as: UTF8.self) }
    }
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes, lent without a copy when the string is native.
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try ContiguousArray(utf8).withUnsafeBytes(body)
    }
}

/// Lexicographic order of UTF-8 byte strings (equivalently, of code points): negative when `lhs`
/// comes first, zero when equal, positive when `rhs` comes first.
@inline(__always)
func compareBytes(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Int {
    let shared = min(lhs.count, rhs.count)
    if shared > 0, let left = lhs.baseAddress, let right = rhs.baseAddress {
        let order = memcmp(left, right, shared)
        if order != 0 { return Int(order) }
    }
    return lhs.count - rhs.count
}
