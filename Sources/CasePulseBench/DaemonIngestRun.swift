import Foundation
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's ingest: a fresh `casepulsed` with a state directory and `--fsync batch` is fed
/// the benchmark's events over its best-effort ingest, timed from the first send until
/// `/sys/ingest` counts them all as received.
enum DaemonIngestRun {
    /// What one size cost.
    struct Figures: Sendable {
        var cases: Int
        var events: Int
        var seconds: Double
        var eventsPerSecond: Double { Double(events) / seconds }
        /// `VmHWM` of the daemon once it had every event.
        var peakResidentBytes: Int
        /// `VmHWM` of the daemon at the end of its clean stop: its peak over the whole run, the
        /// final checkpoint and engine image included.
        var peakWithStopBytes: Int
        /// `VmHWM` of the same daemon before any event (start-up, empty state).
        var idleResidentBytes: Int
        /// How long the SIGTERM stop (final publish and checkpoint) took.
        var stopSeconds: Double
        /// CPU seconds the daemon used, all threads, from the first event sent until `/sys/ingest`
        /// had them all: on a host whose cores every thread competes for, the cost to compare.
        var cpuSeconds: Double
        /// ``cpuSeconds`` per event, in microseconds.
        var cpuMicrosecondsPerEvent: Double { cpuSeconds * 1e6 / Double(events) }
    }

    /// Runs `cases` cases (three events each) through a daemon on `stateDirectory`, and stops it.
    static func measure(
        binary: String, basePort: Int, cases: Int, stateDirectory: String, checkpointEvents: Int, log: URL
    ) throws -> Figures {
        let daemon = try DaemonProcess(
            binary: binary, basePort: basePort, stateDirectory: stateDirectory, publishIntervalMilliseconds: 100,
            checkpointEvents: checkpointEvents, log: log)
        try daemon.start()
        defer { if daemon.isRunning { daemon.stop() } }
        let context = try Context()
        let probe = try SnapshotProbe(context: context, endpoint: daemon.snapshot)
        guard try probe.received(timeout: .seconds(60)) != nil else {
            throw BenchError("casepulsed did not answer its snapshot endpoint; see \(log.path)")
        }
        let idle = daemon.peakResidentBytes
        let events = cases * 3
        // Completion is read from the updates (`/sys/ingest` as published), not by polling the
        // snapshot endpoint: a snapshot request makes the daemon publish at once, which would
        // defeat its coalescing interval and slow it down.
        let updates = try Socket(context, .sub)
        try updates.setLinger(0)
        try updates.setReceiveTimeout(100)
        try updates.subscribe("/sys/ingest")
        try updates.connect(daemon.publish)
        usleep(300_000)  // let the subscription reach the daemon
        let sender = try BenchSender(context: context, endpoint: daemon.ingest, feed: BenchEventFeed(eventsPerCase: 3))
        try sender.waitForSubscriber(timeout: .seconds(10))
        let started = ContinuousClock.now
        let cpuAtStart = daemon.cpuSeconds
        try sender.send(0..<events)
        var finished = ContinuousClock.now
        var lastCount = -1
        var stalled = ContinuousClock.now
        while true {
            if let frames = try updates.receiveMultipart(), frames.count == 5 {
                finished = .now
                let received = SnapshotProbe.integer(named: "received", in: String(decoding: frames[4], as: UTF8.self)) ?? 0
                if received >= events { break }
                if received != lastCount {
                    lastCount = received
                    stalled = finished
                }
            }
            if ContinuousClock.now - stalled > .seconds(60) {
                throw BenchError("casepulsed received \(lastCount) of \(events) events and no more; see \(log.path)")
            }
        }
        let cpu = daemon.cpuSeconds - cpuAtStart
        updates.close()
        let peak = daemon.peakResidentBytes
        sender.close()
        let stop = daemon.stop()
        guard stop.status == 0 else { throw BenchError("casepulsed exited with status \(stop.status); see \(log.path)") }
        return Figures(
            cases: cases, events: events, seconds: (finished - started).seconds, peakResidentBytes: peak,
            peakWithStopBytes: max(peak, stop.peakResidentBytes), idleResidentBytes: idle, stopSeconds: stop.took.seconds,
            cpuSeconds: cpu)
    }

    /// Starts `binary` on the state in `stateDirectory` and times it until its snapshot endpoint
    /// answers; returns the seconds, the daemon's `VmHWM` then, and the daemon, still running.
    static func restartToServing(
        binary: String, basePort: Int, stateDirectory: String, publishIntervalMilliseconds: Int, checkpointEvents: Int,
        log: URL
    ) throws -> (seconds: Double, peakResidentBytes: Int, daemon: DaemonProcess) {
        let daemon = try DaemonProcess(
            binary: binary, basePort: basePort, stateDirectory: stateDirectory,
            publishIntervalMilliseconds: publishIntervalMilliseconds, checkpointEvents: checkpointEvents, log: log)
        let context = try Context()
        let probe = try SnapshotProbe(context: context, endpoint: daemon.snapshot)
        try daemon.start()
        do {
            guard try probe.received(timeout: .seconds(300)) != nil else {
                throw BenchError("restarted casepulsed did not answer; see \(log.path)")
            }
        } catch {
            if daemon.isRunning { daemon.stop() }
            throw error
        }
        return ((ContinuousClock.now - daemon.launched).seconds, daemon.peakResidentBytes, daemon)
    }
}
