import Testing

@testable import CasePulseServer

/// After a snapshot request the loop hands every change over until its copy of the subscriptions
/// covers the request's subtree, or the window expires.
@Suite struct SnapshotWindowsTests {
    private func filter(_ prefixes: String...) -> SubscriptionFilter {
        var filter = SubscriptionFilter()
        for prefix in prefixes {
            ([1] + Array(prefix.utf8)).withUnsafeBytes { _ = filter.apply($0) }
        }
        return filter
    }

    private let start = ContinuousClock.now

    @Test func noRequestNoWindow() {
        var windows = SnapshotWindows()
        let open1 = windows.isOpen(at: start, covering: filter())
        #expect(!open1)
    }

    @Test func aWindowStaysOpenUntilItsSubtreeIsCovered() {
        var windows = SnapshotWindows()
        windows.open(subtree: Array("/m/2022/370000/".utf8), at: start)
        let soon = start + .milliseconds(10)
        let open2 = windows.isOpen(at: soon, covering: filter())
        #expect(open2, "the subscription has not reached the loop")
        let open3 = windows.isOpen(at: soon, covering: filter("/sys/ingest"))
        #expect(open3)
        let open4 = windows.isOpen(at: soon, covering: filter("/m/2022/370000/370800/"))
        #expect(open4, "a narrower prefix leaves keys out")
        let open5 = windows.isOpen(at: soon, covering: filter("/m/2022/370000/"))
        #expect(!open5)
        let open6 = windows.isOpen(at: soon, covering: filter("/m/"))
        #expect(!open6)
        let open7 = windows.isOpen(at: soon, covering: filter(""))
        #expect(!open7)
    }

    /// A covering prefix dropped within the window (its other subscriber left before this
    /// client's own subscription arrived) opens it again.
    @Test func aWindowReopensWhenItsCoverGoes() {
        var windows = SnapshotWindows()
        windows.open(subtree: Array("/sys/".utf8), at: start)
        let open8 = windows.isOpen(at: start + .seconds(1), covering: filter("/sys/"))
        #expect(!open8)
        let open9 = windows.isOpen(at: start + .seconds(2), covering: filter())
        #expect(open9)
    }

    @Test func aWindowExpires() {
        var windows = SnapshotWindows()
        windows.open(subtree: Array("/m/".utf8), at: start)
        let open10 = windows.isOpen(at: start + SnapshotWindows.length - .milliseconds(1), covering: filter())
        #expect(open10)
        let open11 = windows.isOpen(at: start + SnapshotWindows.length, covering: filter())
        #expect(!open11)
    }

    @Test func theEmptySubtreeIsCoveredOnlyByTheEmptyPrefix() {
        var windows = SnapshotWindows()
        windows.open(subtree: [], at: start)
        let open12 = windows.isOpen(at: start, covering: filter("/m/", "/sys/"))
        #expect(open12)
        let open13 = windows.isOpen(at: start, covering: filter(""))
        #expect(!open13)
    }

    /// Each request has its own window: one covered leaves the other open, and a repeated
    /// request restarts its subtree's window.
    @Test func windowsAreKeptPerSubtree() {
        var windows = SnapshotWindows()
        windows.open(subtree: Array("/sys/".utf8), at: start)
        windows.open(subtree: Array("/m/".utf8), at: start + .seconds(3))
        let open14 = windows.isOpen(at: start + .seconds(4), covering: filter("/sys/"))
        #expect(open14)
        let open15 = windows.isOpen(at: start + .seconds(4), covering: filter("/sys/", "/m/"))
        #expect(!open15)
        windows.open(subtree: Array("/sys/".utf8), at: start + .seconds(4))
        let open16 = windows.isOpen(at: start + .seconds(8), covering: filter("/m/"))
        #expect(open16, "/sys/'s window restarted at 4 s")
        let open17 = windows.isOpen(at: start + .seconds(9), covering: filter())
        #expect(!open17)
    }
}
