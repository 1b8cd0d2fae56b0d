/// What other threads can ask of the server's loop (see ``Server/send(_:)``).
public enum ServerCommand: Sendable, Equatable {
    /// Publish what is pending, close the sockets and end.
    case stop
    /// Change the coalescing interval of updates (SIGHUP reload).
    case setPublishInterval(milliseconds: Int)
    /// Test hook: block the loop for a while, as a wedged engine would.
    case wedge(Duration)
}
