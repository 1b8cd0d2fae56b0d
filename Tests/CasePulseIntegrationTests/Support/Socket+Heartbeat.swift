import CasePulseWire
import ZeroMQ

extension Socket {
    /// Reads, and drops, what a SUB subscribed to `HUGZ` (or to everything) receives until a CHP
    /// heartbeat comes through: its connection is then up and its subscriptions reached the daemon.
    /// False when none came within `timeout`. Leaves the receive timeout at 100 ms.
    func awaitHeartbeat(within timeout: Duration = .seconds(10)) throws -> Bool {
        try setReceiveTimeout(100)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let frames = try receiveMultipart() else { continue }
            if case .heartbeat? = ClusteredHashmap.Command(frames: frames) { return true }
        }
        return false
    }
}
