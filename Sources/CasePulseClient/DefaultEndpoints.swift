/// The contract's default endpoints (the Clone pattern's P, P+1, P+2 layout, plus reliable ingest).
public enum DefaultEndpoints {
    /// CHP snapshot requests (the daemon's ROUTER).
    public static let snapshot = "tcp://127.0.0.1:7600"
    /// CHP updates and heartbeats (the daemon's PUB).
    public static let publish = "tcp://127.0.0.1:7601"
    /// Best-effort ingest (the daemon's SUB bind).
    public static let ingest = "tcp://127.0.0.1:7602"
    /// Acknowledged ingest (the daemon's ROUTER).
    public static let reliable = "tcp://127.0.0.1:7603"
}
