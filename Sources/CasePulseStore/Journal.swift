import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The journal of state format 3: append-only files in the state directory, one per checkpoint
/// epoch (`journal-{epoch}.cpj`), written with `pwrite` into preallocated space and made durable
/// with `fdatasync` as the fsync mode promises.
///
/// Every committed batch of accepted events is one record, and so is every reservation of CHP
/// sequence numbers. A record carries its length and a CRC-32C, so recovery reads a file up to its
/// last whole record: a write cut short by a crash ends the file there, and what follows is
/// ignored. A checkpoint moves the journal to the next epoch, so that the state database can be
/// written on another thread while events go on being journaled; once the checkpoint has
/// committed, the files of the epochs it folded in are deleted (`Protocols/STATE.md`).
///
/// Owned by one thread (the server loop), which builds each record; a ``JournalFlusher`` writes
/// the records and makes them durable on a thread of its own, and a record's events count as
/// durable once ``durableTicket`` reaches the ticket ``commit()`` returned. A file is used as
/// ``prepare(directory:epoch:fsync:)`` made it ready, or prepared when the journal first writes to
/// it.
final class Journal {
    /// What a record holds.
    enum Kind: UInt8 {
        /// Event bodies as received: each a little-endian u32 length and the bytes.
        case events = 1
        /// A reservation of sequence numbers: a little-endian u64, the highest reserved.
        case sequenceReservation = 2
    }

    /// The first 8 bytes of every journal file; then the epoch as a little-endian u64.
    static let magic = Array("CPJRNL03".utf8)
    static let fileHeaderSize = 16
    /// u32 payload length, u8 kind, three zero bytes, u32 CRC-32C of those 8 bytes and the payload.
    static let recordHeaderSize = 12
    /// Files grow by at least this much at a time (`posix_fallocate`), so that a commit into
    /// allocated space does not also have to make a new file size durable (about 70,000 events).
    static let allocationStep = 16 << 20

    /// The state directory.
    let directory: String
    /// How commits are made durable.
    let fsync: FsyncMode
    /// The epoch events are journaled to now.
    private(set) var epoch: UInt64
    /// Events waiting for ``commit()``.
    private(set) var pendingEvents = 0
    /// Bytes of the record being built (length prefixes included).
    var pendingBytes: Int { pending.count - Self.recordHeaderSize }
    /// The ticket of the last record handed to the flusher.
    private(set) var lastTicket: UInt64 = 0
    /// The record being built: header space, then the payload.
    private var pending: [UInt8]
    /// Writes and syncs the records on its own thread.
    let flusher: JournalFlusher

    /// A journal that writes epoch `epoch` (its file opened at the first commit).
    init(directory: String, epoch: UInt64, fsync: FsyncMode) {
        self.directory = directory
        self.epoch = epoch
        self.fsync = fsync
        pending = [UInt8](repeating: 0, count: Self.recordHeaderSize)
        flusher = JournalFlusher(file: JournalFile(directory: directory, epoch: epoch, fsync: fsync))
    }

    /// The file of `epoch` in `directory`.
    static func path(directory: String, epoch: UInt64) -> String {
        (directory as NSString).appendingPathComponent("journal-\(epoch).cpj")
    }

    // MARK: Writing

    /// Buffers an accepted event's body, exactly as received, for the next ``commit()``.
    func append(body: UnsafeRawBufferPointer) {
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { pending.append(contentsOf: $0) }
        pending.append(contentsOf: body)
        pendingEvents += 1
    }

    /// Hands the buffered events to the flusher as one record and returns its ticket (the last
    /// ticket when nothing was buffered); they are durable once ``durableTicket`` reaches it.
    /// With `inlineWhenIdle`, a flusher with nothing in hand writes and syncs it on this thread
    /// before returning. Throws the flusher's failure instead, once it has one.
    @discardableResult
    func commit(inlineWhenIdle: Bool = false) throws(StoreError) -> UInt64 {
        if let failure = flusher.failure { throw failure }
        guard pendingEvents > 0 else { return lastTicket }
        var record = flusher.takeSpareBuffer()
        swap(&record, &pending)
        pending.append(contentsOf: repeatElement(0, count: Self.recordHeaderSize))
        pendingEvents = 0
        return submit(record, kind: .events, inlineWhenIdle: inlineWhenIdle)
    }

    /// Records that sequence numbers up to `sequence` are reserved; durable on return as the
    /// fsync mode promises (with every record handed over before it).
    func reserve(sequence: UInt64) throws(StoreError) {
        if let failure = flusher.failure { throw failure }
        var reservation = [UInt8](repeating: 0, count: Self.recordHeaderSize)
        withUnsafeBytes(of: sequence.littleEndian) { reservation.append(contentsOf: $0) }
        submit(reservation, kind: .sequenceReservation)
        try waitUntilDurable()
    }

    @discardableResult
    private func submit(_ record: consuming [UInt8], kind: Kind, inlineWhenIdle: Bool = false) -> UInt64 {
        lastTicket += 1
        flusher.submit(record, kind: kind, ticket: lastTicket, inlineWhenIdle: inlineWhenIdle)
        return lastTicket
    }

    /// The ticket of the last record that is durable.
    var durableTicket: UInt64 { flusher.durableTicket }

    /// Sets what the flusher calls (on its thread) each time records become durable, or it fails.
    func onDurable(_ handler: @escaping @Sendable () -> Void) {
        flusher.onDurable(handler)
    }

    /// Why the flusher stopped writing, if it did.
    var failure: StoreError? { flusher.failure }

    /// Waits until every record handed over is durable; throws the flusher's failure.
    func waitUntilDurable() throws(StoreError) {
        flusher.drain()
        if let failure = flusher.failure { throw failure }
    }

    /// Moves on to the next epoch: commits what is buffered, waits until it is durable and closes
    /// the current file. With `create`, the new epoch's file is opened now (prepared, if it was
    /// not yet); otherwise at its first commit.
    func rotate(create: Bool = false) throws(StoreError) {
        try commit()
        try waitUntilDurable()
        try flusher.withFile { file throws(StoreError) in try file.rotate(create: create) }
        epoch += 1
    }

    /// End of the last whole record written to the current file (after every record handed over).
    var offset: Int {
        (try? flusher.withFile { $0.offset }) ?? 0
    }

    /// The header of the file of `epoch`.
    static func header(epoch: UInt64) -> [UInt8] {
        var header = magic
        withUnsafeBytes(of: epoch.littleEndian) { header.append(contentsOf: $0) }
        return header
    }

    /// Makes the file of `epoch` ready ahead of time, on another thread than the journal's: the
    /// header, then ``allocationStep`` bytes of zeros actually written (not just allocated), all
    /// made durable with the directory entry. Commits into written blocks change no file-system
    /// metadata, so their `fdatasync` does not wait for the file system's own journal, which the
    /// state database's writes may be filling. Does nothing if the file exists.
    static func prepare(directory: String, epoch: UInt64, fsync: FsyncMode) throws(StoreError) {
        let path = path(directory: directory, epoch: epoch)
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor < 0, errno == EEXIST { return }
        guard descriptor >= 0 else { throw error("cannot create", path, errno: errno) }
        defer { close(descriptor) }
        do throws(StoreError) {
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            chunk.replaceSubrange(0..<fileHeaderSize, with: header(epoch: epoch))
            var offset = 0
            while offset < allocationStep {
                try writeAll(descriptor, chunk, at: offset, path: path)
                if offset == 0 { chunk.replaceSubrange(0..<fileHeaderSize, with: repeatElement(0, count: fileHeaderSize)) }
                offset += chunk.count
            }
            if fsync != .off {
                guard fdatasync(descriptor) == 0 else { throw error("cannot sync", path, errno: errno) }
                try syncDirectory(directory)
            }
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Writes all of `bytes` at `offset` (`pwrite`, retried on EINTR); the error names `path`.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(StoreError) {
        let failure: StoreError? = bytes.withUnsafeBytes { bytes in
            do throws(StoreError) { try writeAll(descriptor, bytes, at: offset, path: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` at `offset` (`pwrite`, retried on EINTR); the error names `path`.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StoreError) {
        var written = 0
        while written < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written, off_t(offset + written))
            if count < 0 {
                if errno == EINTR { continue }
                throw error("cannot write", path, errno: errno)
            }
            written += count
        }
    }

    /// Makes the directory's entries (a new journal file) durable.
    static func syncDirectory(_ directory: String) throws(StoreError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error("cannot open", directory, errno: errno) }
        defer { close(descriptor) }
        guard Glibc.fsync(descriptor) == 0 else { throw error("cannot sync", directory, errno: errno) }
    }

    static func error(_ what: String, _ path: String, errno code: Int32) -> StoreError {
        StoreError("\(what) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }

    // MARK: Reading

    /// The epochs of the journal files in `directory`, oldest first.
    static func epochs(in directory: String) throws(StoreError) -> [UInt64] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw StoreError("cannot list \(directory): \(StateStore.reason(error))")
        }
        return names.compactMap { name -> UInt64? in
            guard name.hasPrefix("journal-"), name.hasSuffix(".cpj") else { return nil }
            return UInt64(name.dropFirst("journal-".count).dropLast(".cpj".count))
        }.sorted()
    }

    /// Deletes the files of the epochs before `epoch` (folded into the records by a checkpoint).
    static func remove(directory: String, before epoch: UInt64) throws(StoreError) {
        for old in try epochs(in: directory) where old < epoch {
            let path = path(directory: directory, epoch: old)
            guard unlink(path) == 0 || errno == ENOENT else { throw error("cannot delete", path, errno: errno) }
        }
    }

    /// How far past the last whole record ``read(directory:epoch:_:)`` looks for the rest of a
    /// record cut short (the rest of the preallocated file is zeros).
    static let tailWindow = 64 << 10

    /// What reading one file found.
    struct FileSummary {
        /// Whole records read.
        var records = 0
        /// Records that fail their checksum but are followed by whole records: damage on the disk,
        /// not a write cut short. They are skipped (their events are lost) and reading goes on.
        var damagedRecords = 0
        /// Whether bytes that are not zero follow the last whole record (looked for in the first
        /// ``tailWindow`` bytes): a record a crash cut short.
        var cutShort = false
    }

    /// Calls `visit` with the kind and payload of each whole record of the file of `epoch`, in
    /// order, up to the first record that is incomplete or fails its checksum — the end of what
    /// was written. A record that fails its checksum but is followed by a whole record is damage,
    /// not the end: it is skipped and counted.
    static func read(
        directory: String, epoch: UInt64, _ visit: (Kind, UnsafeRawBufferPointer) throws -> Void
    ) throws -> FileSummary {
        let path = path(directory: directory, epoch: epoch)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error("cannot open", path, errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw error("cannot stat", path, errno: errno) }
        let size = Int(status.st_size)
        guard size > 0 else { return FileSummary() }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw error("cannot map", path, errno: errno)
        }
        defer { munmap(mapped, size) }
        let file = UnsafeRawBufferPointer(start: mapped, count: size)
        var summary = FileSummary()
        // A file whose header never reached the disk (a crash while it was created) holds nothing.
        guard size >= fileHeaderSize, !file[0..<fileHeaderSize].allSatisfy({ $0 == 0 }) else {
            summary.cutShort = file.prefix(tailWindow).contains { $0 != 0 }
            return summary
        }
        guard file[0..<8].elementsEqual(magic) else {
            throw StoreError("\(path) is not a casepulse journal file (format 3)")
        }
        let stored = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        guard stored == epoch else {
            throw StoreError("\(path) holds epoch \(stored), not \(epoch): the file was renamed or copied")
        }
        /// The record at `offset`: its kind, payload and whether its checksum holds; `nil` when
        /// no record header fits there.
        func record(at offset: Int) -> (kind: Kind, payload: UnsafeRawBufferPointer, intact: Bool)? {
            guard size - offset >= recordHeaderSize else { return nil }
            let length = Int(UInt32(littleEndian: file.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            let kindWord = UInt32(littleEndian: file.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            guard kindWord <= UInt32(UInt8.max), let kind = Kind(rawValue: UInt8(kindWord)),
                  length <= size - offset - recordHeaderSize else { return nil }
            let crc = UInt32(littleEndian: file.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))
            let start = offset + recordHeaderSize
            let payload = UnsafeRawBufferPointer(rebasing: file[start..<(start + length)])
            let header = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: file[offset..<(offset + 8)]))
            return (kind, payload, CRC32C.checksum(payload, continuing: header) == crc)
        }
        var offset = fileHeaderSize
        while let (kind, payload, intact) = record(at: offset) {
            let next = offset + recordHeaderSize + payload.count
            if intact {
                try visit(kind, payload)
                summary.records += 1
            } else if record(at: next)?.intact == true {
                summary.damagedRecords += 1
            } else {
                break
            }
            offset = next
        }
        summary.cutShort = file[offset...].prefix(tailWindow).contains { $0 != 0 }
        return summary
    }
}
