/// What other threads can ask of the server's loop (see ``Server/send(_:)``).
public enum ServerCommand: Sendable, Equatable {
    /// Publish what is pending, close the sockets and end.
    case stop
    /// Change the coalescing interval of updates (SIGHUP reload).
    case setPublishInterval(milliseconds: Int)
    /// Drop every peer of the updates socket: a reload revoked `revoked` subscriber keys. Peers
    /// whose keys are still listed reconnect; a revoked key's handshake fails.
    case dropSubscribers(revoked: Int)
    /// Test hook: block the loop for a while, as a wedged engine would.
    case wedge(Duration)
}
