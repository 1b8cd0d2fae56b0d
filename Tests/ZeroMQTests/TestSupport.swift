import CasePulseTestKit
import Foundation
import ZeroMQ

/// A fresh `ipc://` endpoint in `directory`, which the test holds until its sockets are done.
func ipcEndpoint(in directory: TemporaryDirectory) -> String {
    "ipc://" + directory.appending("\(UUID().uuidString.prefix(13)).sock")
}

/// A fresh `inproc://` endpoint.
func inprocEndpoint(_ name: String = "test") -> String {
    "inproc://\(name)-\(UUID().uuidString)"
}

/// A socket that never blocks a failing test for long: linger 0, 5 s receive and send timeouts.
func makeSocket(_ context: Context, _ type: SocketType, timeout: Int32 = 5_000) throws -> Socket {
    let socket = try Socket(context, type)
    try socket.setLinger(0)
    try socket.setReceiveTimeout(timeout)
    try socket.setSendTimeout(timeout)
    return socket
}

/// Bytes of a string.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Publishes `[topic, "sync"]` until the subscriber gets one (the slow-joiner problem), so that
/// messages published afterwards are delivered. Returns false if it never arrived.
func synchronize(publisher: Socket, subscriber: Socket, topic: String) throws -> Bool {
    let poller = Poller([PollItem(socket: subscriber, events: .readable)])
    for _ in 0..<500 {
        try publisher.send(multipart: [bytes(topic), bytes("sync")])
        if try poller.poll(timeoutMilliseconds: 10) > 0 {
            return true
        }
    }
    return false
}

/// Receives the next multipart message that is not a `synchronize` probe.
func receiveSkippingSync(_ socket: Socket) throws -> [[UInt8]]? {
    while let frames = try socket.receiveMultipart() {
        if frames.count == 2 && frames[1] == bytes("sync") { continue }
        return frames
    }
    return nil
}

/// A PULL bound and a PUSH connected to it over a fresh inproc endpoint.
func pushPull(_ context: Context) throws -> (pull: Socket, push: Socket) {
    let endpoint = inprocEndpoint()
    let pull = try makeSocket(context, .pull)
    try pull.bind(endpoint)
    let push = try makeSocket(context, .push)
    try push.connect(endpoint)
    return (pull, push)
}
