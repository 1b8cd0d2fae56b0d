#if canImport(Glibc)
import Glibc
#endif

/// The journal file being written: the epoch, the open descriptor, where the next record goes and
/// how much space is allocated. Used only on the ``JournalFlusher``'s serial queue (hence
/// `@unchecked Sendable`: the queue is what keeps it to one thread at a time).
final class JournalFile: @unchecked Sendable {
    /// The state directory.
    let directory: String
    /// How records are made durable.
    let fsync: FsyncMode
    /// The epoch written now.
    private(set) var epoch: UInt64
    private var descriptor: Int32 = -1
    /// End of the last whole record in the open file.
    private(set) var offset = 0
    /// Bytes of the open file allocated so far.
    private var allocated = 0

    /// The file of `epoch` in `directory`, opened at the first write.
    init(directory: String, epoch: UInt64, fsync: FsyncMode) {
        self.directory = directory
        self.epoch = epoch
        self.fsync = fsync
    }

    deinit { closeFile() }

    /// Fills in the header of `record` (header space, then payload) and writes it at the end of
    /// the current file (not yet durable: see ``sync()``).
    func write(_ record: inout [UInt8], kind: Journal.Kind) throws(StoreError) {
        let path = Journal.path(directory: directory, epoch: epoch)
        let length = record.count
        guard length - Journal.recordHeaderSize <= Int(UInt32.max) else {
            throw StoreError("cannot write \(path): a journal record of \(length) bytes is over the 4 GiB a record can hold")
        }
        if descriptor < 0 { try openFile() }
        record.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: UInt32(length - Journal.recordHeaderSize).littleEndian, toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: UInt32(kind.rawValue).littleEndian, toByteOffset: 4, as: UInt32.self)
            var crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<8]))
            crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[Journal.recordHeaderSize...]), continuing: crc)
            bytes.storeBytes(of: crc.littleEndian, toByteOffset: 8, as: UInt32.self)
        }
        if offset + length > allocated {
            let grow = max(Journal.allocationStep, offset + length - allocated)
            let status = posix_fallocate(descriptor, off_t(allocated), off_t(grow))
            guard status == 0 else { throw Journal.error("cannot allocate space in", path, errno: status) }
            allocated += grow
        }
        try Journal.writeAll(descriptor, record, at: offset, path: path)
        offset += length
    }

    /// Makes what was written durable, as the fsync mode promises.
    func sync() throws(StoreError) {
        guard fsync != .off, descriptor >= 0 else { return }
        guard fdatasync(descriptor) == 0 else {
            throw Journal.error("cannot sync", Journal.path(directory: directory, epoch: epoch), errno: errno)
        }
    }

    /// Closes the current file and moves on to the next epoch; with `create`, opens its file now
    /// (prepared, if it was not yet), otherwise at its first write.
    func rotate(create: Bool) throws(StoreError) {
        closeFile()
        epoch += 1
        if create { try openFile() }
    }

    /// Opens the current epoch's file: the one ``Journal/prepare(directory:epoch:fsync:)`` made
    /// ready, or, when none was, one prepared now (its header and directory entry durable before
    /// any record goes in).
    private func openFile() throws(StoreError) {
        let path = Journal.path(directory: directory, epoch: epoch)
        try Journal.prepare(directory: directory, epoch: epoch, fsync: fsync)
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Journal.error("cannot open", path, errno: errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) >= Journal.fileHeaderSize else {
            close(descriptor)
            throw Journal.error("cannot use the prepared journal file", path, errno: errno)
        }
        self.descriptor = descriptor
        offset = Journal.fileHeaderSize
        allocated = Int(status.st_size)
    }

    private func closeFile() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        offset = 0
        allocated = 0
    }
}
