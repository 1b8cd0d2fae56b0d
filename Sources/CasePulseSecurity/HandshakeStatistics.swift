import CasePulseServer

/// Counts of CURVE handshakes by socket role, since the daemon started.
public struct HandshakeStatistics: Sendable, Hashable {
    /// Handshakes the ZAP handler admitted (status 200).
    public var admitted: [EndpointRole: Int] = [:]
    /// Handshakes the ZAP handler denied (status 400): an unknown or revoked key, or a key of the
    /// other role.
    public var denied: [EndpointRole: Int] = [:]
    /// Handshakes that failed before reaching the ZAP handler, as the socket monitor reports them
    /// (`HANDSHAKE_FAILED_PROTOCOL` / `_NO_DETAIL`): a client without CURVE or with the wrong
    /// server key, garbage on the port.
    public var failed: [EndpointRole: Int] = [:]

    /// Empty counts.
    public init() {}

    /// Every denied or failed handshake, all roles together.
    public var refusedTotal: Int {
        denied.values.reduce(0, +) + failed.values.reduce(0, +)
    }
}
