import CZeroMQ

extension Message {
    /// A metadata property of the connection the frame arrived on (`zmq_msg_gets`), or `nil` when
    /// the connection has no such property (or nothing was received into the message yet).
    ///
    /// Standard names are `"Socket-Type"`, `"Routing-Id"`, `"Peer-Address"` and, after a ZAP
    /// handler admitted the peer, `"User-Id"`; a ZAP handler's own metadata (names starting with
    /// `X-`) is readable too.
    ///
    /// - Parameter name: The property's name (case-insensitive in libzmq).
    /// - Returns: The value as text.
    public func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(cString: value)
    }
}
