import CPrefetch

/// An array that grows by whole segments of fixed size and never moves what it already holds.
///
/// A `ContiguousArray` doubles when it is full: it allocates twice the memory and copies every
/// element, which at a million cases is tens of megabytes and stops the engine's single writer for
/// milliseconds — a latency spike for every event queued behind it. Here appending allocates at
/// most one new segment, so its worst case does not grow with the number of elements.
///
/// A reference type with no copy-on-write: it has one owner (the engine), and an element is reached
/// by a shift, a mask and two loads, with no uniqueness check on the hot path. Indices are checked.
final class SegmentedArray<Element> {
    /// log2 of the elements per segment.
    static var segmentShift: Int { 12 }
    /// Elements per segment.
    static var segmentSize: Int { 1 << segmentShift }

    /// Full segments, then the last one, initialised up to `count`. Not checked for exclusive
    /// access at run time (each check costs a call and a thread-local look-up on every element
    /// reached): the one owner never holds two accesses to it at once.
    @exclusivity(unchecked) private var segments: [UnsafeMutablePointer<Element>] = []

    /// Number of elements.
    @exclusivity(unchecked) private(set) var count = 0

    /// An empty array.
    init() {}

    deinit {
        removeAll()
    }

    /// Removes every element and frees every segment; with `keepingCapacity` the segments stay,
    /// to be filled again (the same ``segmentBases``), for an array emptied and refilled over and
    /// over to about the same size.
    func removeAll(keepingCapacity: Bool = false) {
        var remaining = count
        for segment in segments {
            let initialised = min(remaining, Self.segmentSize)
            segment.deinitialize(count: initialised)
            if !keepingCapacity { segment.deallocate() }
            remaining -= initialised
        }
        if !keepingCapacity { segments = [] }
        count = 0
    }

    /// The positions of the elements.
    var indices: Range<Int> { 0..<count }

    /// Whether there are no elements.
    var isEmpty: Bool { count == 0 }

    /// Number of segments allocated.
    var segmentCount: Int { segments.count }

    /// Bytes the segments take (allocated, whether filled or not).
    var allocatedBytes: Int { segments.count * Self.segmentSize * MemoryLayout<Element>.stride }

    /// Where the segments are now: element `i` below the current ``count`` is at
    /// `segmentBases[i >> segmentShift] + i & (segmentSize - 1)` until the array is emptied. For
    /// another thread to change elements already appended while the owner appends more, which
    /// never moves them.
    var segmentBases: [UnsafeMutablePointer<Element>] { segments }

    /// Appends `element`, allocating a new segment when the last one is full and no segment is
    /// kept after it.
    func append(_ element: Element) {
        let offset = count & (Self.segmentSize - 1)
        let segment = count >> Self.segmentShift
        if offset == 0, segment == segments.count { segments.append(.allocate(capacity: Self.segmentSize)) }
        (segments[segment] + offset).initialize(to: element)
        count += 1
    }

    /// Asks the CPU to start loading the element at `index` for a write soon — its first and its
    /// last byte's cache lines, which are one line or two for an element of up to 64 bytes and
    /// all of it for one of up to 128 (an ``Aggregate`` is 112). A hint: it moves nothing and never
    /// faults; an index out of range asks for nothing.
    @inline(__always)
    func prefetch(_ index: Int) {
        guard index >= 0 && index < count else { return }
        let element = UnsafeRawPointer(segments[index >> Self.segmentShift] + (index & (Self.segmentSize - 1)))
        cp_prefetch_write(element)
        if MemoryLayout<Element>.stride > 1 { cp_prefetch_write(element + (MemoryLayout<Element>.stride - 1)) }
    }

    /// The element at `index`, which must be below ``count``.
    subscript(index: Int) -> Element {
        @inline(__always) get {
            precondition(index >= 0 && index < count, "SegmentedArray index out of range")
            return segments[index >> Self.segmentShift][index & (Self.segmentSize - 1)]
        }
        @inline(__always) _modify {
            precondition(index >= 0 && index < count, "SegmentedArray index out of range")
            yield &segments[index >> Self.segmentShift][index & (Self.segmentSize - 1)]
        }
    }
}
