import CZeroMQ

// Socket options (`zmq_setsockopt` / `zmq_getsockopt`).
//
// Swift properties cannot have throwing setters, so each option is a read-only throwing
// property plus a throwing `set…` method; write-only libzmq options only have the method.
extension Socket {
    // MARK: - Generic access

    /// Sets an integer option (`zmq_setsockopt` with an `int`).
    ///
    /// - Parameters:
    ///   - option: The `ZMQ_*` option.
    ///   - value: The value.
    /// - Throws: ``ZMQError`` (`EINVAL` for an unknown option or a bad value).
    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        try setRaw(option, "setsockopt \(option)", value)
    }

    /// Sets a 64-bit integer option (`zmq_setsockopt` with an `int64_t`), such as
    /// `ZMQ_MAXMSGSIZE`.
    ///
    /// - Parameters:
    ///   - option: The `ZMQ_*` option.
    ///   - value: The value.
    /// - Throws: ``ZMQError`` (`EINVAL` for an unknown option or a bad value).
    public func setOption(_ option: Int32, int64 value: Int64) throws(ZMQError) {
        try setRaw(option, "setsockopt \(option)", value)
    }

    /// Sets a binary or string option (`zmq_setsockopt` with a byte buffer).
    ///
    /// - Parameters:
    ///   - option: The `ZMQ_*` option.
    ///   - bytes: The value; strings go without a terminating NUL.
    /// - Throws: ``ZMQError`` (`EINVAL` for an unknown option or a bad value).
    public func setOption(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
        try setBytes(option, "setsockopt \(option)", bytes)
    }

    /// Reads an integer option (`zmq_getsockopt` with an `int`).
    ///
    /// - Parameter option: The `ZMQ_*` option.
    /// - Returns: Its value.
    /// - Throws: ``ZMQError`` (`EINVAL` for an unknown or write-only option).
    public func intOption(_ option: Int32) throws(ZMQError) -> Int32 {
        try getRaw(option, "getsockopt \(option)", as: Int32.self)
    }

    /// Reads a 64-bit integer option (`zmq_getsockopt` with an `int64_t`).
    ///
    /// - Parameter option: The `ZMQ_*` option.
    /// - Returns: Its value.
    /// - Throws: ``ZMQError`` (`EINVAL` for an unknown or write-only option).
    public func int64Option(_ option: Int32) throws(ZMQError) -> Int64 {
        try getRaw(option, "getsockopt \(option)", as: Int64.self)
    }

    /// Reads a binary option (`zmq_getsockopt` with a byte buffer).
    ///
    /// - Parameters:
    ///   - option: The `ZMQ_*` option.
    ///   - capacity: The buffer size to offer; some options (CURVE keys) depend on it.
    /// - Returns: The bytes libzmq returned.
    /// - Throws: ``ZMQError`` (`EINVAL` for an unknown option or a too small buffer).
    public func bytesOption(_ option: Int32, capacity: Int = 256) throws(ZMQError) -> [UInt8] {
        try getBytes(option, "getsockopt \(option)", capacity: capacity)
    }

    // MARK: - Queues and timing

    /// `ZMQ_SNDHWM`: the most outgoing messages queued per peer (`0` means no limit).
    public var sendHighWaterMark: Int32 {
        get throws(ZMQError) { try getRaw(ZMQ_SNDHWM, "getsockopt ZMQ_SNDHWM", as: Int32.self) }
    }

    /// Sets ``sendHighWaterMark``; it applies to connections made afterwards.
    ///
    /// - Parameter value: The limit in messages, `0` for none.
    /// - Throws: ``ZMQError``.
    public func setSendHighWaterMark(_ value: Int32) throws(ZMQError) {
        try setRaw(ZMQ_SNDHWM, "setsockopt ZMQ_SNDHWM", value)
    }

    /// `ZMQ_RCVHWM`: the most incoming messages queued per peer (`0` means no limit).
    public var receiveHighWaterMark: Int32 {
        get throws(ZMQError) { try getRaw(ZMQ_RCVHWM, "getsockopt ZMQ_RCVHWM", as: Int32.self) }
    }

    /// Sets ``receiveHighWaterMark``; it applies to connections made afterwards.
    ///
    /// - Parameter value: The limit in messages, `0` for none.
    /// - Throws: ``ZMQError``.
    public func setReceiveHighWaterMark(_ value: Int32) throws(ZMQError) {
        try setRaw(ZMQ_RCVHWM, "setsockopt ZMQ_RCVHWM", value)
    }

    /// `ZMQ_LINGER` in milliseconds: how long pending outgoing messages are kept after close
    /// (`-1`, the libzmq default, waits without limit; `0` drops them).
    public var linger: Int32 {
        get throws(ZMQError) { try getRaw(ZMQ_LINGER, "getsockopt ZMQ_LINGER", as: Int32.self) }
    }

    /// Sets ``linger``.
    ///
    /// - Parameter milliseconds: The linger period, `-1` for no limit.
    /// - Throws: ``ZMQError``.
    public func setLinger(_ milliseconds: Int32) throws(ZMQError) {
        try setRaw(ZMQ_LINGER, "setsockopt ZMQ_LINGER", milliseconds)
    }

    /// `ZMQ_RCVTIMEO` in milliseconds: how long a blocking receive waits before it returns
    /// `false` / `nil` (`-1`, the default, waits without limit).
    public var receiveTimeout: Int32 {
        get throws(ZMQError) { try getRaw(ZMQ_RCVTIMEO, "getsockopt ZMQ_RCVTIMEO", as: Int32.self) }
    }

    /// Sets ``receiveTimeout``.
    ///
    /// - Parameter milliseconds: The timeout, `-1` for no limit.
    /// - Throws: ``ZMQError``.
    public func setReceiveTimeout(_ milliseconds: Int32) throws(ZMQError) {
        try setRaw(ZMQ_RCVTIMEO, "setsockopt ZMQ_RCVTIMEO", milliseconds)
    }

    /// `ZMQ_SNDTIMEO` in milliseconds: how long a blocking send waits before it returns `false`
    /// (`-1`, the default, waits without limit).
    public var sendTimeout: Int32 {
        get throws(ZMQError) { try getRaw(ZMQ_SNDTIMEO, "getsockopt ZMQ_SNDTIMEO", as: Int32.self) }
    }

    /// Sets ``sendTimeout``.
    ///
    /// - Parameter milliseconds: The timeout, `-1` for no limit.
    /// - Throws: ``ZMQError``.
    public func setSendTimeout(_ milliseconds: Int32) throws(ZMQError) {
        try setRaw(ZMQ_SNDTIMEO, "setsockopt ZMQ_SNDTIMEO", milliseconds)
    }

    /// `ZMQ_MAXMSGSIZE`: peers sending a larger frame are disconnected (`-1`: no limit).
    public var maxMessageSize: Int64 {
        get throws(ZMQError) { try getRaw(ZMQ_MAXMSGSIZE, "getsockopt ZMQ_MAXMSGSIZE", as: Int64.self) }
    }

    /// Sets ``maxMessageSize``.
    ///
    /// - Parameter bytes: The largest accepted frame size, `-1` for no limit.
    /// - Throws: ``ZMQError``.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setRaw(ZMQ_MAXMSGSIZE, "setsockopt ZMQ_MAXMSGSIZE", bytes)
    }

    /// `ZMQ_IMMEDIATE`: queue messages only to completed connections.
    public var immediate: Bool {
        get throws(ZMQError) { try getRaw(ZMQ_IMMEDIATE, "getsockopt ZMQ_IMMEDIATE", as: Int32.self) != 0 }
    }

    /// Sets ``immediate``.
    ///
    /// - Parameter enabled: Whether to queue only to completed connections.
    /// - Throws: ``ZMQError``.
    public func setImmediate(_ enabled: Bool) throws(ZMQError) {
        try setRaw(ZMQ_IMMEDIATE, "setsockopt ZMQ_IMMEDIATE", Int32(enabled ? 1 : 0))
    }

    /// `ZMQ_IPV6`: allow IPv6 on TCP endpoints.
    public var ipv6: Bool {
        get throws(ZMQError) { try getRaw(ZMQ_IPV6, "getsockopt ZMQ_IPV6", as: Int32.self) != 0 }
    }

    /// Sets ``ipv6``.
    ///
    /// - Parameter enabled: Whether IPv6 is allowed.
    /// - Throws: ``ZMQError``.
    public func setIPv6(_ enabled: Bool) throws(ZMQError) {
        try setRaw(ZMQ_IPV6, "setsockopt ZMQ_IPV6", Int32(enabled ? 1 : 0))
    }

    // MARK: - Routing and subscriptions

    /// `ZMQ_ROUTING_ID`: the identity this socket presents to ROUTER peers (1 to 255 bytes,
    /// not starting with a zero byte); empty if none was set.
    public var routingID: [UInt8] {
        get throws(ZMQError) { try getBytes(ZMQ_ROUTING_ID, "getsockopt ZMQ_ROUTING_ID", capacity: 255) }
    }

    /// Sets ``routingID``; it must be set before connecting.
    ///
    /// - Parameter id: 1 to 255 bytes.
    /// - Throws: ``ZMQError`` (`EINVAL` for an empty or too long id).
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_ROUTING_ID, "setsockopt ZMQ_ROUTING_ID", id)
    }

    /// Sets `ZMQ_ROUTER_MANDATORY` (write-only): a ROUTER then fails sends to unknown peers
    /// with `EHOSTUNREACH`, and reports `EAGAIN` (`false` from `send`) instead of dropping when
    /// a peer's queue is full.
    ///
    /// - Parameter enabled: Whether unroutable messages are errors.
    /// - Throws: ``ZMQError`` (`EINVAL` on a non-ROUTER socket).
    public func setRouterMandatory(_ enabled: Bool) throws(ZMQError) {
        try setRaw(ZMQ_ROUTER_MANDATORY, "setsockopt ZMQ_ROUTER_MANDATORY", Int32(enabled ? 1 : 0))
    }

    /// Sets `ZMQ_XPUB_NODROP` (write-only): an XPUB/PUB then reports `EAGAIN` (`false` from
    /// `send` with `dontWait`, or blocks) when a subscriber's queue is full, instead of
    /// silently dropping the message.
    ///
    /// - Parameter enabled: Whether to refuse rather than drop.
    /// - Throws: ``ZMQError`` (`EINVAL` on other socket types).
    public func setXPubNoDrop(_ enabled: Bool) throws(ZMQError) {
        try setRaw(ZMQ_XPUB_NODROP, "setsockopt ZMQ_XPUB_NODROP", Int32(enabled ? 1 : 0))
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix`
    /// (`ZMQ_SUBSCRIBE`); an empty prefix subscribes to everything.
    ///
    /// - Parameter prefix: The prefix bytes.
    /// - Throws: ``ZMQError`` (`EINVAL` on a non-SUB socket).
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_SUBSCRIBE, "setsockopt ZMQ_SUBSCRIBE", prefix)
    }

    /// Subscribes to messages whose first frame starts with the UTF-8 bytes of `prefix`.
    ///
    /// - Parameter prefix: The prefix.
    /// - Throws: ``ZMQError`` (`EINVAL` on a non-SUB socket).
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try subscribe(Array(prefix.utf8))
    }

    /// Removes one subscription made with ``subscribe(_:)-([UInt8])`` (`ZMQ_UNSUBSCRIBE`).
    ///
    /// - Parameter prefix: The prefix bytes, exactly as subscribed.
    /// - Throws: ``ZMQError`` (`EINVAL` on a non-SUB socket).
    public func unsubscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_UNSUBSCRIBE, "setsockopt ZMQ_UNSUBSCRIBE", prefix)
    }

    /// Removes one subscription made with a string prefix.
    ///
    /// - Parameter prefix: The prefix, exactly as subscribed.
    /// - Throws: ``ZMQError`` (`EINVAL` on a non-SUB socket).
    public func unsubscribe(_ prefix: String) throws(ZMQError) {
        try unsubscribe(Array(prefix.utf8))
    }

    // MARK: - State

    /// `ZMQ_LAST_ENDPOINT`: the endpoint of the last bind or connect, with wildcards resolved
    /// (`tcp://127.0.0.1:*` becomes `tcp://127.0.0.1:41234`); empty if none.
    public var lastEndpoint: String {
        get throws(ZMQError) { try getString(ZMQ_LAST_ENDPOINT, "getsockopt ZMQ_LAST_ENDPOINT", capacity: 1024) }
    }

    /// `ZMQ_EVENTS`: whether a message can be received (``PollEvents/readable``) or sent
    /// (``PollEvents/writable``) right now without blocking.
    ///
    /// Reading it also processes pending commands, which is required after each wake-up by
    /// ``fileDescriptor`` (edge-triggered).
    public var events: PollEvents {
        get throws(ZMQError) {
            PollEvents(rawValue: Int16(truncatingIfNeeded: try getRaw(ZMQ_EVENTS, "getsockopt ZMQ_EVENTS", as: Int32.self)))
        }
    }

    /// `ZMQ_FD`: a file descriptor that becomes readable (edge-triggered) when ``events`` may
    /// have changed, for integrating the socket into a foreign event loop. It is owned by
    /// libzmq: never read from, write to or close it.
    public var fileDescriptor: Int32 {
        get throws(ZMQError) { try getRaw(ZMQ_FD, "getsockopt ZMQ_FD", as: Int32.self) }
    }

    // MARK: - CURVE and ZAP

    /// `ZMQ_CURVE_SERVER`: act as CURVE server (needs ``curveSecretKey``).
    public var curveServer: Bool {
        get throws(ZMQError) { try getRaw(ZMQ_CURVE_SERVER, "getsockopt ZMQ_CURVE_SERVER", as: Int32.self) != 0 }
    }

    /// Sets ``curveServer``; set it before binding.
    ///
    /// - Parameter enabled: Whether the socket is a CURVE server.
    /// - Throws: ``ZMQError`` (`EINVAL` if libzmq was built without CURVE).
    public func setCurveServer(_ enabled: Bool) throws(ZMQError) {
        try setRaw(ZMQ_CURVE_SERVER, "setsockopt ZMQ_CURVE_SERVER", Int32(enabled ? 1 : 0))
    }

    /// `ZMQ_CURVE_PUBLICKEY`: this client's long-term public key, 32 raw bytes.
    public var curvePublicKey: [UInt8] {
        get throws(ZMQError) { try getBytes(ZMQ_CURVE_PUBLICKEY, "getsockopt ZMQ_CURVE_PUBLICKEY", capacity: 32) }
    }

    /// Sets ``curvePublicKey`` (client side); this makes the socket a CURVE client.
    ///
    /// - Parameter key: 32 raw bytes.
    /// - Throws: ``ZMQError`` (`EINVAL` for a wrong size).
    public func setCurvePublicKey(_ key: [UInt8]) throws(ZMQError) {
        try setCurveKey(ZMQ_CURVE_PUBLICKEY, "setsockopt ZMQ_CURVE_PUBLICKEY", key)
    }

    /// `ZMQ_CURVE_SECRETKEY`: this socket's long-term secret key, 32 raw bytes.
    public var curveSecretKey: [UInt8] {
        get throws(ZMQError) { try getBytes(ZMQ_CURVE_SECRETKEY, "getsockopt ZMQ_CURVE_SECRETKEY", capacity: 32) }
    }

    /// Sets ``curveSecretKey`` (client and server side).
    ///
    /// - Parameter key: 32 raw bytes.
    /// - Throws: ``ZMQError`` (`EINVAL` for a wrong size).
    public func setCurveSecretKey(_ key: [UInt8]) throws(ZMQError) {
        try setCurveKey(ZMQ_CURVE_SECRETKEY, "setsockopt ZMQ_CURVE_SECRETKEY", key)
    }

    /// `ZMQ_CURVE_SERVERKEY`: the server's long-term public key a client expects, 32 raw bytes.
    public var curveServerKey: [UInt8] {
        get throws(ZMQError) { try getBytes(ZMQ_CURVE_SERVERKEY, "getsockopt ZMQ_CURVE_SERVERKEY", capacity: 32) }
    }

    /// Sets ``curveServerKey`` (client side); set it before connecting.
    ///
    /// - Parameter key: 32 raw bytes.
    /// - Throws: ``ZMQError`` (`EINVAL` for a wrong size).
    public func setCurveServerKey(_ key: [UInt8]) throws(ZMQError) {
        try setCurveKey(ZMQ_CURVE_SERVERKEY, "setsockopt ZMQ_CURVE_SERVERKEY", key)
    }

    /// `ZMQ_ZAP_DOMAIN`: the authentication domain passed to the ZAP handler.
    public var zapDomain: String {
        get throws(ZMQError) { try getString(ZMQ_ZAP_DOMAIN, "getsockopt ZMQ_ZAP_DOMAIN", capacity: 256) }
    }

    /// Sets ``zapDomain``.
    ///
    /// - Parameter domain: At most 255 bytes of UTF-8.
    /// - Throws: ``ZMQError`` (`EINVAL` if too long).
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setBytes(ZMQ_ZAP_DOMAIN, "setsockopt ZMQ_ZAP_DOMAIN", Array(domain.utf8))
    }

    // MARK: - Plumbing

    private func setRaw<Value: FixedWidthInteger>(_ option: Int32, _ operation: String, _ value: Value) throws(ZMQError) {
        let handle = try liveHandle(operation)
        var value = value
        while zmq_setsockopt(handle, option, &value, MemoryLayout<Value>.size) != 0 {
            let error = ZMQError.last(operation)
            if error.errno != EINTR { throw error }
        }
    }

    private func setBytes(_ option: Int32, _ operation: String, _ bytes: [UInt8]) throws(ZMQError) {
        let handle = try liveHandle(operation)
        let failed = bytes.withUnsafeBytes { buffer in
            while zmq_setsockopt(handle, option, buffer.baseAddress, buffer.count) != 0 {
                let errno = zmq_errno()
                if errno != EINTR { return errno }
            }
            return 0
        }
        if failed != 0 {
            throw ZMQError(errno: failed, operation: operation)
        }
    }

    private func setCurveKey(_ option: Int32, _ operation: String, _ key: [UInt8]) throws(ZMQError) {
        // libzmq would read 32 bytes as binary and 40 or 41 as Z85: insist on the binary form.
        guard key.count == 32 else {
            throw ZMQError(errno: EINVAL, operation: operation)
        }
        try setBytes(option, operation, key)
    }

    private func getRaw<Value: FixedWidthInteger>(_ option: Int32, _ operation: String, as: Value.Type) throws(ZMQError) -> Value {
        let handle = try liveHandle(operation)
        var value: Value = 0
        var size = MemoryLayout<Value>.size
        while zmq_getsockopt(handle, option, &value, &size) != 0 {
            let error = ZMQError.last(operation)
            if error.errno != EINTR { throw error }
        }
        return value
    }

    private func getBytes(_ option: Int32, _ operation: String, capacity: Int) throws(ZMQError) -> [UInt8] {
        let handle = try liveHandle(operation)
        var failed: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var size = capacity
            while zmq_getsockopt(handle, option, buffer.baseAddress, &size) != 0 {
                let errno = zmq_errno()
                if errno != EINTR {
                    failed = errno
                    size = 0
                    break
                }
                size = capacity
            }
            initialized = min(size, capacity)
        }
        if failed != 0 {
            throw ZMQError(errno: failed, operation: operation)
        }
        return bytes
    }

    private func getString(_ option: Int32, _ operation: String, capacity: Int) throws(ZMQError) -> String {
        var bytes = try getBytes(option, operation, capacity: capacity)
        while bytes.last == 0 {
            bytes.removeLast()
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
