/// A binary min-heap of ``DemoFeed``'s follow-up events, ordered by due time, then insertion.
struct DemoSchedule: Sendable {
    /// One scheduled item.
    struct Item: Sendable {
        /// When it is due (nominal feed time, Unix nanoseconds).
        var due: Int64
        /// Insertion number, breaking ties deterministically.
        var order: UInt64
        /// What to emit.
        var followUp: DemoFeed.FollowUp
    }

    private var heap: [Item] = []
    private var inserted: UInt64 = 0

    /// The number of scheduled items.
    var count: Int { heap.count }

    /// The due time of the earliest item.
    var earliestDue: Int64? { heap.first?.due }

    /// Schedules `followUp` at `due`.
    mutating func insert(_ followUp: DemoFeed.FollowUp, due: Int64) {
        inserted += 1
        heap.append(Item(due: due, order: inserted, followUp: followUp))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest item.
    mutating func popEarliest() -> DemoFeed.FollowUp? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let item = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, Self.less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return item.followUp
    }

    private static func less(_ a: Item, _ b: Item) -> Bool {
        (a.due, a.order) < (b.due, b.order)
    }
}
