/// The removal step of the engine's open-addressing tables (``ShardedDictionary``,
/// ``PartyCounts``): linear probing with backward shift, so that no tombstones pile up.
enum LinearProbing {
    /// Closes the hole left at `index` in a table of `mask + 1` positions: each following entry of
    /// the probe run moves into the hole when the hole lies between the entry's home and where it
    /// sits. `home` gives the home position of the entry at a position, `nil` for an empty one;
    /// `move` moves an entry from one position to another. Returns the position left empty, for
    /// the caller to clear.
    @inline(__always)
    static func shiftBack(
        from index: Int, mask: Int, home: (Int) -> Int?, move: (_ from: Int, _ to: Int) -> Void
    ) -> Int {
        var hole = index
        var next = index
        while true {
            next = (next + 1) & mask
            guard let start = home(next) else { return hole }
            if (hole - start) & mask <= (next - start) & mask {
                move(next, hole)
                hole = next
            }
        }
    }
}
