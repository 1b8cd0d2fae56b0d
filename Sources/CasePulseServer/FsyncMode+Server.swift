import CasePulseStore

/// How durable an acknowledged event is (`--fsync`); defined by the state store.
public typealias FsyncMode = CasePulseStore.FsyncMode
