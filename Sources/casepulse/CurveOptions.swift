import ArgumentParser
import CasePulseClient

/// `--curve-cert FILE --server-key FILE|Z85`: talk CURVE to a daemon started with `--curve-cert`.
struct CurveOptions: ParsableArguments {
    @Option(
        name: .customLong("curve-cert"),
        help: ArgumentHelp(
            "This client's secret certificate (NAME.key_secret, see 'casepulse keygen'); its key must be in the daemon's --producer-keys or --subscriber-keys.",
            valueName: "FILE"))
    var certificate: String?

    /// Unconditional: a Z85 key may begin with `-` (one in 85 does), which would otherwise be read
    /// as the next option and leave this one without a value.
    @Option(
        name: .customLong("server-key"), parsing: .unconditional,
        help: ArgumentHelp("The daemon's public certificate (NAME.key) or its public key in Z85.", valueName: "FILE|KEY"))
    var serverKey: String?

    func validate() throws {
        if (certificate == nil) != (serverKey == nil) {
            throw ValidationError("--curve-cert and --server-key go together")
        }
    }

    /// The client keys, `nil` when CURVE is not asked for.
    func keys() throws(CasePulseClientError) -> CurveClientKeys? {
        guard let certificate, let serverKey else { return nil }
        return try CurveClientKeys(certificate: certificate, serverKey: serverKey)
    }
}
