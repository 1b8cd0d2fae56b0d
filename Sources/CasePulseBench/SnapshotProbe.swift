import CZeroMQ
import ZeroMQ

/// A CHP snapshot client reduced to what the benchmark needs: ask for a subtree, read the values.
final class SnapshotProbe {
    private let socket: Socket
    private let poller: Poller

    /// Connects a DEALER to the daemon's snapshot ROUTER (connecting before the daemon binds is
    /// fine: the request waits in the queue until it does).
    init(context: Context, endpoint: String) throws {
        socket = try Socket(context, .dealer)
        try socket.setLinger(0)
        // Retry a refused connection every 10 ms, not 100, so restart-to-serving is timed closely.
        try socket.setOption(ZMQ_RECONNECT_IVL, 10)
        try socket.connect(endpoint)
        poller = Poller([PollItem(socket: socket, events: .readable)])
    }

    deinit { socket.close() }

    /// Sends `ICANHAZ? subtree` and returns every key and value of the answer, or `nil` when no
    /// complete answer came within `timeout`.
    func fetch(_ subtree: String, timeout: Duration) throws -> [String: String]? {
        try socket.send(multipart: [Array("ICANHAZ?".utf8), Array(subtree.utf8)])
        let deadline = ContinuousClock.now + timeout
        var values: [String: String] = [:]
        while true {
            while let frames = try socket.receiveMultipart(dontWait: true) {
                guard frames.count == 5 else { continue }
                let key = String(decoding: frames[0], as: UTF8.self)
                if key == "KTHXBAI" { return values }
                values[key] = String(decoding: frames[4], as: UTF8.self)
            }
            let left = deadline - ContinuousClock.now
            if left <= .zero { return nil }
            let milliseconds = max(1, Int(left.components.seconds) * 1000 + Int(left.components.attoseconds / 1_000_000_000_000_000))
            _ = try poller.poll(timeoutMilliseconds: milliseconds)
        }
    }

    /// `received` of `/sys/ingest`, or `nil` when the daemon did not answer in time.
    func received(timeout: Duration = .seconds(10)) throws -> Int? {
        guard let value = try fetch("/sys/ingest", timeout: timeout)?["/sys/ingest"] else { return nil }
        return Self.integer(named: "received", in: value)
    }

    /// The integer field `name` of a flat JSON object's text, e.g. `"filed":12` → 12.
    static func integer(named name: String, in json: String) -> Int? {
        let marker = Array("\"\(name)\":".utf8)
        let bytes = Array(json.utf8)
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<start + marker.count].elementsEqual(marker) {
            var value = 0
            var index = start + marker.count
            var any = false
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                value = value * 10 + Int(bytes[index] - 48)
                index += 1
                any = true
            }
            return any ? value : nil
        }
        return nil
    }
}
