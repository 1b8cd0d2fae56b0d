import CasePulseCore
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The engine image file of a state directory, `engine.image` (`Protocols/STATE.md`, "Engine
/// image"): the engine's tables as of the final checkpoint of a clean stop, so that the next start
/// copies them back instead of rebuilding every aggregate from the case records.
///
/// The file is a header naming the image's token, then the engine's bytes (``Engine/writeImage(to:)``)
/// in blocks of at most 1 MiB, each with its CRC-32C, then an end record. The same token is stored
/// in `meta.image_token` by the final checkpoint's transaction; a start uses the image only when
/// the two match, every block's checksum holds and the end record is there, and then deletes it —
/// an image is used at most once. The file is not synced: after a crash it is at worst damaged or
/// missing, and the start rebuilds from the records, which are the truth.
enum EngineImageFile {
    static let name = "engine.image"
    static let temporaryName = "engine.image.tmp"
    static let magic = Array("CPIMAGE1".utf8)
    /// Header: magic, u64 token, u32 CRC-32C of the 16 bytes before, u32 zero.
    static let headerSize = 24
    /// The most payload bytes in one block.
    static let blockLimit = 1 << 20
    /// The length word of the end record.
    static let endMark: UInt32 = 0xFFFF_FFFF

    static func path(in directory: String) -> String { directory + "/" + name }

    /// Writes `engine`'s image with `token` to `engine.image` in `directory` (through a temporary
    /// file renamed over it).
    static func write(_ engine: Engine, token: UInt64, directory: String) throws(StoreError) -> StateStore.ImageSummary {
        let started = ContinuousClock.now
        let temporary = directory + "/" + temporaryName
        let descriptor = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Journal.error("cannot create", temporary, errno: errno) }
        var closed = false
        defer { if !closed { close(descriptor) } }
        var header = magic
        RecordCodec.putFixed(&header, token)
        let headerCRC = header.withUnsafeBytes { CRC32C.checksum($0) }
        RecordCodec.putFixed(&header, headerCRC)
        RecordCodec.putFixed(&header, UInt32(0))
        // Bytes written so far: where the next write goes, and in the end the file's size.
        var offset = 0
        do {
            try Journal.writeAll(descriptor, header, at: offset, path: temporary)
            offset += header.count
            let encoder = ImageEncoder(blockSize: blockLimit) { block in
                var frame: [UInt8] = []
                RecordCodec.putFixed(&frame, UInt32(block.count))
                RecordCodec.putFixed(&frame, CRC32C.checksum(block))
                try Journal.writeAll(descriptor, frame, at: offset, path: temporary)
                try Journal.writeAll(descriptor, block, at: offset + frame.count, path: temporary)
                offset += frame.count + block.count
            }
            try engine.writeImage(to: encoder)
            var end: [UInt8] = []
            RecordCodec.putFixed(&end, UInt64(encoder.byteCount))
            RecordCodec.putFixed(&end, token)
            var record: [UInt8] = []
            RecordCodec.putFixed(&record, endMark)
            RecordCodec.putFixed(&record, end.withUnsafeBytes { CRC32C.checksum($0) })
            try Journal.writeAll(descriptor, record + end, at: offset, path: temporary)
            offset += record.count + end.count
        } catch let error as StoreError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw StoreError("cannot write \(temporary): \(error)")
        }
        closed = true
        guard close(descriptor) == 0 else {
            let code = errno
            unlink(temporary)
            throw Journal.error("cannot write", temporary, errno: code)
        }
        let target = path(in: directory)
        guard rename(temporary, target) == 0 else {
            let code = errno
            unlink(temporary)
            throw Journal.error("cannot rename \(temporary) to", target, errno: code)
        }
        return StateStore.ImageSummary(bytes: offset, took: ContinuousClock.now - started)
    }

    /// Starts writing `engine`'s image on a thread of its own; the engine must take no event until
    /// ``PendingWrite/wait()`` returns (its owner may read it meanwhile).
    static func startWriting(_ engine: Engine, token: UInt64, directory: String) -> PendingWrite {
        let pending = PendingWrite()
        let thread = Thread { [transfer = EngineTransfer(engine)] in
            let result: Result<StateStore.ImageSummary, StoreError>
            do throws(StoreError) {
                result = .success(try write(transfer.engine, token: token, directory: directory))
            } catch {
                result = .failure(error)
            }
            pending.finish(result)
        }
        thread.name = "casepulse-image"
        thread.start()
        return pending
    }

    /// An image being written on its own thread.
    final class PendingWrite: Sendable {
        private let result = Mutex<Result<StateStore.ImageSummary, StoreError>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        fileprivate func finish(_ outcome: Result<StateStore.ImageSummary, StoreError>) {
            result.withLock { $0 = outcome }
            done.signal()
        }

        /// Waits until the image is written (or failed); the writer no longer reads the engine.
        func wait() -> Result<StateStore.ImageSummary, StoreError> {
            done.wait()
            done.signal()
            return result.withLock { $0 } ?? .failure(StoreError("the engine image writer ended without a result"))
        }
    }

    /// Restores the image in `directory` into `engine` (empty, its retention floor restored);
    /// returns the number of cases. Throws, saying why, when there is no image, its token is not
    /// `token`, or it does not read back whole; the engine must then be dropped.
    static func load(into engine: Engine, token: UInt64, directory: String) throws -> Int {
        let path = path(in: directory)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Journal.error("cannot open", path, errno: errno) }
        defer { close(descriptor) }
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        var header = [UInt8](repeating: 0, count: headerSize)
        try header.withUnsafeMutableBytes { try readAll(descriptor, $0, path: path) }
        let stored = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        let headerCRC = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self) }
        guard header.prefix(8).elementsEqual(magic),
              header.withUnsafeBytes({ CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<16])) }) == UInt32(littleEndian: headerCRC)
        else { throw ImageError.corrupt("not an engine image of this format") }
        guard UInt64(littleEndian: stored) == token else { throw ImageError.otherStop }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockLimit, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        var ended = false
        let decoder = ImageDecoder {
            guard !ended else { return nil }
            var frame = (UInt32(0), UInt32(0))
            try withUnsafeMutableBytes(of: &frame) { try readAll(descriptor, $0, path: path) }
            let length = UInt32(littleEndian: frame.0)
            let crc = UInt32(littleEndian: frame.1)
            if length == endMark {
                var end = (UInt64(0), UInt64(0))
                try withUnsafeMutableBytes(of: &end) { try readAll(descriptor, $0, path: path) }
                guard withUnsafeBytes(of: &end, { CRC32C.checksum($0) }) == crc,
                      UInt64(littleEndian: end.0) == UInt64(total), UInt64(littleEndian: end.1) == token
                else { throw ImageError.corrupt("its end record does not match") }
                ended = true
                return nil
            }
            guard length > 0, Int(length) <= blockLimit else { throw ImageError.corrupt("a block of \(length) bytes") }
            let block = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(length)])
            try readAll(descriptor, block, path: path)
            guard CRC32C.checksum(UnsafeRawBufferPointer(block)) == crc else {
                throw ImageError.corrupt("block at byte \(total) fails its checksum")
            }
            total += Int(length)
            return UnsafeRawBufferPointer(block)
        }
        let cases = try engine.restoreImage(from: decoder)
        // The engine read exactly what was written, and the end record follows.
        guard try decoder.isAtEnd() else { throw ImageError.corrupt("bytes follow the engine's tables") }
        return cases
    }

    /// Deletes the image and any temporary file a stop left (ENOENT is not an error).
    static func remove(directory: String) throws(StoreError) {
        for name in [name, temporaryName] {
            let path = directory + "/" + name
            guard unlink(path) == 0 || errno == ENOENT else { throw Journal.error("cannot delete", path, errno: errno) }
        }
    }

    private static func readAll(_ descriptor: Int32, _ bytes: UnsafeMutableRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let count = read(descriptor, bytes.baseAddress.map { $0 + done }, bytes.count - done)
            if count < 0 {
                if errno == EINTR { continue }
                throw Journal.error("cannot read", path, errno: errno)
            }
            guard count > 0 else { throw ImageError.truncated }
            done += count
        }
    }
}
