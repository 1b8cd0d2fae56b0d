/// A progress line on standard error: rewritten in place with `\r` on a terminal, otherwise a line
/// every few seconds.
struct ProgressLine {
    private let isTTY = Terminal.standardErrorIsTTY
    private var lastShown: ContinuousClock.Instant? = Terminal.standardErrorIsTTY ? nil : .now
    private var shownLength = 0
    private let started = ContinuousClock.now

    /// The time since the line was created.
    var elapsed: Duration { .now - started }

    /// Events per second over ``elapsed``, computed with integers.
    func perSecond(_ count: Int) -> Int {
        let milliseconds = max(1, elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return Int(Int64(count) * 1000 / milliseconds)
    }

    /// Shows `text` if enough time passed since the last update (¼ s on a terminal, 5 s otherwise).
    mutating func update(_ text: String) {
        let now = ContinuousClock.now
        if let lastShown, now - lastShown < (isTTY ? .milliseconds(250) : .seconds(5)) { return }
        show(text, final: false)
        lastShown = now
    }

    /// Shows `text` as the final state and ends the line.
    mutating func finish(_ text: String) {
        show(text, final: true)
    }

    private mutating func show(_ text: String, final: Bool) {
        if isTTY {
            let padding = String(repeating: " ", count: max(0, shownLength - text.count))
            Terminal.writeError("\r" + text + padding + (final ? "\n" : ""))
            shownLength = final ? 0 : text.count
        } else {
            Terminal.writeError(text + "\n")
        }
    }
}
