#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a text's UTF-8 bytes sit in a text store (a ``TextArena``, or the byte buffer of a
/// ``ChangedCases`` slice): `offset << 16 | length`, so a reference is one word.
struct TextRef: Sendable, Equatable {
    /// The packed offset and length.
    var bits: UInt64

    /// No text (an absent party).
    static let none = TextRef(bits: .max)

    /// The longest text a reference can hold, in bytes. The contract's longest text is 128
    /// characters, at most 512 bytes of UTF-8.
    static let maximumLength = 0xFFFF

    init(bits: UInt64) { self.bits = bits }

    init(offset: Int, length: Int) {
        bits = UInt64(offset) << 16 | UInt64(length)
    }

    /// Whether this is ``none``.
    var isNone: Bool { bits == .max }

    /// Byte offset in its store.
    var offset: Int { Int(truncatingIfNeeded: bits >> 16) }

    /// Length in bytes.
    var length: Int { Int(truncatingIfNeeded: bits & 0xFFFF) }

    /// Its bytes in `texts`, the bytes of the ``TextBytes`` that handed it out.
    @inline(__always)
    func bytes(in texts: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: texts[offset..<offset + length])
    }
}

/// The engine's store of case texts — case ids, event ids, parties — as UTF-8 bytes packed one
/// after another in chunks of 1 MiB that never move.
///
/// A `String` longer than 15 bytes is a heap object of its own: some 48 bytes of allocation for
/// an 18-byte party code, and a pointer to chase. Here a text costs its bytes and a one-word
/// ``TextRef``, and a case's texts sit next to each other.
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

    /// An empty arena.
    init() {}

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    /// Copies `bytes` into the arena. They must be at most ``TextRef/maximumLength`` long.
    func append(_ bytes: UnsafeRawBufferPointer) -> TextRef {
        precondition(bytes.count <= TextRef.maximumLength, "text of \(bytes.count) bytes is too long for a TextRef")
        if used + bytes.count > Self.chunkSize {
            if !chunks.isEmpty { filled.append(used) }
            chunks.append(.allocate(byteCount: Self.chunkSize, alignment: 16))
            used = 0
        }
        let chunk = chunks.count - 1
        if let source = bytes.baseAddress, !bytes.isEmpty {
            (chunks[chunk] + used).copyMemory(from: source, byteCount: bytes.count)
        }
        let ref = TextRef(offset: chunk << Self.chunkShift | used, length: bytes.count)
        used += bytes.count
        byteCount += bytes.count
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
        let base = chunks[offset >> Self.chunkShift] + (offset & (Self.chunkSize - 1))
        return try body(UnsafeRawBufferPointer(start: base, count: ref.length))
    }

    /// The text of `ref`.
    func string(_ ref: TextRef) -> String {
        withBytes(ref) { String(decoding: $0, as: UTF8.self) }
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
        let end = (offset & (Self.chunkSize - 1)) + ref.length
        return end <= (chunk < filled.count ? filled[chunk] : used)
    }
}

/// The texts of changed cases copied out of the engine's arena for another thread: one growing
/// byte buffer, read through the same ``TextRef``s, rebased.
struct TextBytes: Sendable {
    private(set) var bytes: [UInt8] = []

    /// Appends `bytes` and returns where they are.
    mutating func append(_ source: UnsafeRawBufferPointer) -> TextRef {
        let ref = TextRef(offset: bytes.count, length: source.count)
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
