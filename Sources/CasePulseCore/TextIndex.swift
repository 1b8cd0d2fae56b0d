/// An index from texts the engine keeps in its ``TextArena`` to their numbers: one 4-byte word per
/// text (``WordTable``). The engine has two: case ids to case numbers, and beneficiary parties to party ids.
///
/// A `ShardedDictionary<String, Int32>` held each text as a `String` of its own (a heap object for
/// any text over 15 bytes) in a 32-byte entry, some 120 bytes per case, and hashed it with SipHash.
/// Here a word holds some bits of the text's hash and its number. A look-up that meets its tag
/// compares the text's bytes with the stored ones, which the owner names by number (`id(number)`).
///
/// The contract compares case ids and parties as Swift strings, up to Unicode canonical
/// equivalence, and bytes compare equal only when the texts are. So a text is indexed by its bytes
/// only when no other spelling stands for it: ASCII, the one spelling of its text. Three non-ASCII
/// characters are canonically one ASCII character each (U+037E `;`, U+1FEF `` ` ``, U+212A `K`); a
/// text of ASCII and these is indexed by its ASCII form. Any other non-ASCII text cannot equal an
/// ASCII one and is kept in a small map of `String`s, which compares them as the contract says.
///
/// The words are a ``WordTable``: growing splits one shard of 64 words, so no insertion stops the
/// engine's writer for long. One owner, one thread.
final class TextIndex {
    /// The texts indexed by bytes (internal for ``Engine/writeImage(to:)``, which stores its
    /// tables as they are).
    let words = WordTable()
    /// Texts not indexed by bytes (see above).
    let others = ShardedDictionary<String, Int32>()

    /// An empty index.
    init() {}

    /// The key a text is indexed by.
    enum Key {
        /// The ASCII bytes of this text, with their ``StableHash``.
        case bytes(String, hash: UInt64)
        /// The text, compared as a Swift string.
        case string(String)
    }

    /// How `text` is indexed.
    static func key(_ text: String) -> Key {
        let ascii = text.withUTF8Bytes { isASCII($0) }
        if ascii { return .bytes(text, hash: StableHash.of(text)) }
        var folded = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0..<0x80: folded.unicodeScalars.append(scalar)
            case 0x037E: folded += ";"
            case 0x1FEF: folded += "`"
            case 0x212A: folded += "K"
            default: return .string(text)
            }
        }
        return .bytes(folded, hash: StableHash.of(folded))
    }

    /// The number of the text `key`, looking at stored texts with `id(number)`.
    func find(_ key: Key, id: (Int32) -> TextRef, in texts: TextArena) -> Int32? {
        switch key {
        case .string(let text):
            return others[text]
        case .bytes(let text, let hash):
            return text.withUTF8Bytes { find(ascii: $0, hash: hash, id: id, in: texts) }
        }
    }

    /// The number of the ASCII text `bytes` with ``StableHash`` `hash` (the ``Key/bytes(_:hash:)``
    /// look-up, for bytes at hand), looking at stored texts with `id(number)`.
    @inline(__always)
    func find(ascii bytes: UnsafeRawBufferPointer, hash: UInt64, id: (Int32) -> TextRef, in texts: TextArena) -> Int32? {
        words.find(hash: hash) { number in texts.withBytes(id(number)) { compareBytes($0, bytes) == 0 } }
    }

    /// Whether `bytes` are ASCII: then they are their text's one spelling, and index it themselves.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var any: UInt8 = 0
        for byte in bytes { any |= byte }
        return any < 0x80
    }

    /// Adds `number` under `key`, which is not in the index.
    func insert(_ key: Key, number: Int32) {
        switch key {
        case .string(let text):
            others[text] = number
        case .bytes(_, let hash):
            words.insert(number: number, hash: hash)
        }
    }

    /// The text `key` is stored as: its ASCII form, or the text as given.
    static func text(of key: Key) -> String {
        switch key {
        case .bytes(let text, _), .string(let text): text
        }
    }

    /// Adds `number` under the ``StableHash`` of its ASCII text, which is not in the index.
    func insert(number: Int32, hash: UInt64) {
        words.insert(number: number, hash: hash)
    }

    /// Bytes the index takes: its word tables and the map of other texts (not the arena's bytes).
    var allocatedBytes: Int {
        words.allocatedBytes + others.allocatedBytes
    }
}
