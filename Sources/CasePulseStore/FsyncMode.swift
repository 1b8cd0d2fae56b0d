/// How durable an acknowledged event is (`--fsync`).
public enum FsyncMode: String, Sendable, CaseIterable {
    /// fsync after every event, before its ACK.
    case always
    /// Group commit: one fsync per batch of events read together, before their ACKs (default).
    case batch
    /// No fsync: the operating system writes when it likes; a power cut can lose acknowledged events.
    case off
}
