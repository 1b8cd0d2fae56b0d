import CasePulseLifecycle
import CasePulseServer
import CasePulseTestKit
import Foundation
import Testing

/// The NOTIFY_SOCKET datagram protocol against sockets the tests own.
@Suite struct SystemdNotifierTests {
    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        #expect(notifier.socketName == nil)
        #expect(!notifier.ready())
        #expect(notifier.watchdogInterval == nil)
    }

    @Test func readyStatusAndStoppingArriveAsOneDatagramEach() throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path])
        #expect(notifier.isActive)
        #expect(notifier.ready(status: "serving"))
        let ready = try #require(socket.receive(timeout: .seconds(2)))
        #expect(ready.assignments == ["READY=1", "MAINPID=\(getpid())", "STATUS=serving"])
        #expect(notifier.notify(["STATUS=two\nlines"]))
        #expect(socket.receive(timeout: .seconds(2))?.assignments == ["STATUS=two lines"])
        #expect(notifier.stopping())
        #expect(socket.receive(timeout: .seconds(2))?.assignments.first == "STOPPING=1")
    }

    @Test func anAbstractSocketNameStartsWithAnAt() throws {
        let name = "casepulse-test-\(UUID().uuidString.prefix(8))"
        let socket = try NotifySocket(abstractName: name)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@\(name)"])
        #expect(notifier.notify(["WATCHDOG=1"]))
        #expect(socket.receive(timeout: .seconds(2))?.assignments == ["WATCHDOG=1"])
    }

    @Test func aRelativeSocketNameIsIgnored() {
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": "notify"]).isActive)
    }

    @Test func theWatchdogIsPingedAtHalfItsTimeoutOnlyForItsOwnProcess() {
        let mine = SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "\(getpid())"])
        #expect(mine.watchdogInterval == .milliseconds(1500))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000"]).watchdogInterval == .milliseconds(1500))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "1"]).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "0"]).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "soon"]).watchdogInterval == nil)
    }

    @Test func theReporterPingsOncePerHalfPeriodAndSendsStatusWhenItChanges() throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "4000000"])
        let reporter = ServiceStatusReporter(notifier: notifier)
        #expect(reporter.tickIntervalMilliseconds == 1000)
        let start = ContinuousClock.now
        var status = ServerStatus()
        status.keys = 7
        reporter.tick(status, now: start)
        let first = try #require(socket.receive(timeout: .seconds(2)))
        #expect(first.assignments.first == "WATCHDOG=1")
        #expect(first.assignments.last == "STATUS=serving: 0 events/s, 0 accepted, 0 refused, 7 keys, seq 0, no gaps")
        // One second later: neither a ping (half-period is 2 s) nor a new status.
        reporter.tick(status, now: start + .seconds(1))
        #expect(socket.receive(timeout: .milliseconds(200)) == nil)
        // Two seconds in: the ping; 40 events accepted in the last second.
        status.accepted = 40
        status.lastGap = "jn-app: 5…7"
        reporter.tick(status, now: start + .seconds(2))
        let second = try #require(socket.receive(timeout: .seconds(2)))
        #expect(second.assignments == ["WATCHDOG=1", "STATUS=serving: 40 events/s, 40 accepted, 0 refused, 7 keys, seq 0, last gap jn-app: 5…7"])
    }

    @Test func refusedSnapshotRequestsShowInTheStatusOnceThereAreAny() throws {
        var status = ServerStatus()
        status.accepted = 12
        status.keys = 40
        status.sequence = 9
        let quiet = "serving: 0 events/s, 12 accepted, 0 refused, 40 keys, seq 9, no gaps"
        #expect(ServiceStatusReporter.statusLine(status, eventsPerSecond: 0) == quiet)
        status.snapshotsRefused = 1
        #expect(ServiceStatusReporter.statusLine(status, eventsPerSecond: 0) == quiet + ", 1 snapshot refused")
        status.snapshotsRefused = 3
        status.lastGap = "jn-app: 5…7"
        #expect(ServiceStatusReporter.statusLine(status, eventsPerSecond: 0)
            == "serving: 0 events/s, 12 accepted, 0 refused, 40 keys, seq 9, last gap jn-app: 5…7, 3 snapshots refused")

        // A refusal alone (nothing else moved) is a change of status: systemd hears of it.
        let socket = try NotifySocket()
        let reporter = ServiceStatusReporter(notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]))
        let start = ContinuousClock.now
        status.snapshotsRefused = 0
        reporter.tick(status, now: start)
        let before = try #require(socket.receive(timeout: .seconds(2)))
        #expect(before.assignments == ["STATUS=serving: 0 events/s, 12 accepted, 0 refused, 40 keys, seq 9, last gap jn-app: 5…7"])
        status.snapshotsRefused = 4
        reporter.tick(status, now: start + .seconds(1))
        let refused = try #require(socket.receive(timeout: .seconds(2)))
        #expect(refused.assignments == ["STATUS=serving: 0 events/s, 12 accepted, 0 refused, 40 keys, seq 9, last gap jn-app: 5…7, 4 snapshots refused"])
    }

    @Test func aShortWatchdogMakesTheTicksShorter() {
        let notifier = SystemdNotifier(environment: ["WATCHDOG_USEC": "600000"])
        #expect(ServiceStatusReporter(notifier: notifier).tickIntervalMilliseconds == 300)
        #expect(ServiceStatusReporter(notifier: SystemdNotifier(environment: [:])).tickIntervalMilliseconds == 1000)
    }
}
