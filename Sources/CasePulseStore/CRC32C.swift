internal import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of each journal record:
/// the CPU's CRC-32C instruction where there is one (SSE 4.2; about 20 times fewer instructions
/// per byte), else slicing by 8, eight bytes per step through eight 256-entry tables.
enum CRC32C {
    /// Whether ``checksum(_:continuing:)`` uses the CPU's instruction.
    static let usesHardware = cp_crc32c_hardware() == 1

    /// The CRC-32C of `bytes`, continuing from `crc` (the CRC of what came before; 0 to start).
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard usesHardware, let base = bytes.baseAddress else { return tableChecksum(bytes, continuing: crc) }
        return ~cp_crc32c_update(~crc, base, bytes.count)
    }

    /// Eight tables of 256 entries, one after the other: entry `k * 256 + b` is the CRC of byte `b`
    /// followed by `k` zero bytes.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// ``checksum(_:continuing:)`` by the tables, whatever the CPU.
    static func tableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var crc = ~crc
        var offset = 0
        let count = bytes.count
        table.withUnsafeBufferPointer { t in
            @inline(__always) func at(_ k: Int, _ byte: UInt32) -> UInt32 { t[k << 8 | Int(byte & 0xFF)] }
            while count - offset >= 8 {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc = at(7, low) ^ at(6, low >> 8) ^ at(5, low >> 16) ^ at(4, low >> 24)
                    ^ at(3, high) ^ at(2, high >> 8) ^ at(1, high >> 16) ^ at(0, high >> 24)
                offset += 8
            }
            while offset < count {
                crc = (crc >> 8) ^ at(0, crc ^ UInt32(bytes[offset]))
                offset += 1
            }
        }
        return ~crc
    }
}
