import CasePulseCore

/// An engine handed to another thread that has it alone meanwhile (the restore's folding thread),
/// or that only reads it while its owner also only reads it (the image writer, during a clean
/// stop's final checkpoint). The engine is not `Sendable`; whoever hands it over keeps that rule.
struct EngineTransfer: @unchecked Sendable {
    let engine: Engine
    init(_ engine: Engine) { self.engine = engine }
}
