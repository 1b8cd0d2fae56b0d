import Testing

@testable import CasePulseServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct PrefetchFollowingTests {
    /// The loop asks for the bytes after each event's body, which may lie past the end of
    /// libzmq's buffer: a hint there must never fault. A body at the very end of a mapped page,
    /// followed by a page that is not mapped, is asked past without a signal, and an empty body
    /// (no base address) asks for nothing. `prefetch`, which asks for a body's own lines, asks for
    /// none past its last byte, nor for an empty body at the page's end.
    @Test func askingPastTheLastMappedByteNeverFaults() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapping = try #require(
            mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            "mmap")
        #expect(mapping != MAP_FAILED)
        defer { munmap(mapping, 2 * page) }
        // The second page goes: any read past the first page's end would now be SIGSEGV.
        #expect(munmap(mapping + page, page) == 0)
        let body = UnsafeMutableRawBufferPointer(start: mapping + page - 231, count: 231)
        body.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"))
        ServerLoop.prefetchFollowing(UnsafeRawBufferPointer(body))
        ServerLoop.prefetchFollowing(UnsafeRawBufferPointer(start: nil, count: 0))
        ServerLoop.prefetch(UnsafeRawBufferPointer(body))
        ServerLoop.prefetch(UnsafeRawBufferPointer(start: nil, count: 0))
        ServerLoop.prefetch(UnsafeRawBufferPointer(rebasing: body[231...]))
        #expect(body.allSatisfy { $0 == UInt8(ascii: "x") })
    }
}
