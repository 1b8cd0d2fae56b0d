#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CURVE certificate in ZeroMQ's ZPL format (ZeroMQ RFC 4), as written by pyzmq's
/// `zmq.auth.create_certificates` and czmq's `zcert`: `NAME.key` holds the public key,
/// `NAME.key_secret` the public and the secret key.
///
/// ```
/// #   ****  Generated on 2026-01-05 10:00:00.000000 by casepulse  ****
/// #   ZeroMQ CURVE Public Certificate
/// ...
/// metadata
/// curve
///     public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
/// ```
///
/// Reading is strict where it matters: the keys must be 40 characters of Z85 (quoted or not), a
/// secret key must belong to the public key written next to it, and a line that is not ZPL is an
/// error with its number. Metadata other than the keys is kept as read (`metadata/name = value`).
public struct CurveCertificate: Sendable, Hashable {
    /// The certificate's name: the file name without `.key` / `.key_secret`.
    public let name: String
    /// The public key, 32 bytes.
    public let publicKey: [UInt8]
    /// The secret key, 32 bytes, when read from a secret certificate.
    public let secretKey: [UInt8]?
    /// The `metadata` section's properties, in file order.
    public let metadata: [Property]

    /// One `name = value` of the `metadata` section.
    public struct Property: Sendable, Hashable {
        /// The property's name.
        public var name: String
        /// Its value, without quotes.
        public var value: String

        /// Creates a property.
        ///
        /// - Parameters:
        ///   - name: The name.
        ///   - value: The value.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Creates a certificate from its parts.
    ///
    /// - Parameters:
    ///   - name: The certificate's name.
    ///   - publicKey: 32 bytes.
    ///   - secretKey: 32 bytes, or `nil` for a public certificate.
    ///   - metadata: Properties of the `metadata` section.
    public init(name: String, publicKey: [UInt8], secretKey: [UInt8]? = nil, metadata: [Property] = []) {
        self.name = name
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.metadata = metadata
    }

    /// The key pair, when the certificate holds the secret key.
    public var keyPair: CurveKeyPair? {
        guard let secretKey else { return nil }
        return try? CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// The public key in Z85 (40 characters).
    public var publicKeyZ85: String { Z85.encode(publicKey) ?? "" }

    // MARK: Reading

    /// Reads a certificate file: `NAME.key` (public) or `NAME.key_secret` (public and secret).
    ///
    /// - Parameter path: The file.
    /// - Returns: The certificate, named after the file.
    /// - Throws: ``CurveCertificateError`` when the file cannot be read or is not a valid
    ///   certificate.
    public static func read(path: String) throws(CurveCertificateError) -> CurveCertificate {
        let text = try readFile(path)
        return try parse(text, name: name(ofPath: path), path: path)
    }

    /// The certificate name a file stands for: its base name without `.key_secret` or `.key`.
    ///
    /// - Parameter path: A certificate file's path.
    /// - Returns: The name.
    public static func name(ofPath path: String) -> String {
        let base = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        for suffix in [".key_secret", ".key"] where base.hasSuffix(suffix) && base.count > suffix.count {
            return String(base.dropLast(suffix.count))
        }
        return base
    }

    /// Parses the text of a certificate.
    ///
    /// - Parameters:
    ///   - text: The ZPL text.
    ///   - name: The certificate's name.
    ///   - path: The file, for error messages.
    /// - Returns: The certificate.
    /// - Throws: ``CurveCertificateError`` naming the line at fault.
    public static func parse(_ text: String, name: String, path: String = "<text>") throws(CurveCertificateError) -> CurveCertificate {
        var sections: [String] = []
        var properties: [(path: String, value: String, line: Int)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " || $0 == "\t" }.reduce(0) { $0 + ($1 == "\t" ? 4 : 1) }
            guard indent % 4 == 0, indent / 4 <= sections.count else {
                throw CurveCertificateError(path: path, reason: "line \(number): indentation is not a multiple of 4 under a section")
            }
            sections.removeLast(sections.count - indent / 4)
            let (key, value) = try property(content, line: number, path: path)
            guard !key.isEmpty else {
                throw CurveCertificateError(path: path, reason: "line \(number): a property without a name")
            }
            if let value {
                properties.append(((sections + [key]).joined(separator: "/"), value, number))
            }
            sections.append(key)
        }
        func value(_ key: String) throws(CurveCertificateError) -> [UInt8]? {
            let found = properties.filter { $0.path == key }
            guard let entry = found.first else { return nil }
            guard found.count == 1 else {
                throw CurveCertificateError(path: path, reason: "line \(found[1].line): \(key) appears twice")
            }
            guard entry.value.utf8.count == 40, let key = Z85.decode(entry.value), key.count == 32 else {
                throw CurveCertificateError(path: path, reason: "line \(entry.line): \(key) is not 40 characters of Z85")
            }
            return key
        }
        guard let publicKey = try value("curve/public-key") else {
            throw CurveCertificateError(path: path, reason: "no curve/public-key")
        }
        let secretKey = try value("curve/secret-key")
        if let secretKey {
            let derived: CurveKeyPair
            do { derived = try CurveKeyPair.derive(secretKey: secretKey) } catch {
                throw CurveCertificateError(path: path, reason: "cannot derive the public key: \(error)")
            }
            guard derived.publicKey == publicKey else {
                throw CurveCertificateError(path: path, reason: "the secret-key does not belong to the public-key")
            }
        }
        let metadata = properties.filter { $0.path.hasPrefix("metadata/") }
            .map { Property(name: String($0.path.dropFirst("metadata/".count)), value: $0.value) }
        return CurveCertificate(name: name, publicKey: publicKey, secretKey: secretKey, metadata: metadata)
    }

    /// Splits `name = value` (or a section name alone); strips quotes and trailing comments.
    private static func property(_ content: Substring, line: Int, path: String) throws(CurveCertificateError) -> (String, String?) {
        guard let equals = content.firstIndex(of: "=") else {
            let name = content.prefix { $0 != " " && $0 != "\t" && $0 != "#" }
            let rest = content.dropFirst(name.count).drop { $0 == " " || $0 == "\t" }
            guard rest.isEmpty || rest.hasPrefix("#") else {
                throw CurveCertificateError(path: path, reason: "line \(line): expected 'name = value' or a section name")
            }
            return (String(name), nil)
        }
        let name = content[..<equals].trimmingSpaces
        var value = content[content.index(after: equals)...].drop { $0 == " " || $0 == "\t" }
        if let quote = value.first, quote == "\"" || quote == "'" {
            value = value.dropFirst()
            guard let end = value.firstIndex(of: quote) else {
                throw CurveCertificateError(path: path, reason: "line \(line): unterminated quoted value")
            }
            let after = value[value.index(after: end)...].drop { $0 == " " || $0 == "\t" }
            guard after.isEmpty || after.hasPrefix("#") else {
                throw CurveCertificateError(path: path, reason: "line \(line): text after a quoted value")
            }
            return (String(name), String(value[..<end]))
        }
        // Unquoted: pyzmq writes metadata such as `name = two words` without quotes, so the value
        // runs to the end of the line (a ` #` starts a comment).
        if let comment = value.ranges(of: " #").first { value = value[..<comment.lowerBound] }
        return (String(name), String(value.trimmingSpaces))
    }

    // MARK: Writing

    /// The certificate as ZPL text, laid out exactly as pyzmq's `create_certificates` writes it.
    ///
    /// - Parameters:
    ///   - includingSecret: Writes the secret certificate (banner, metadata and both keys);
    ///     otherwise the public one (the metadata is only written to the secret file, as pyzmq does).
    ///   - generated: The banner's time stamp text.
    /// - Returns: The file's text.
    public func zplText(includingSecret: Bool, generated: String) -> String {
        var text = "#   ****  Generated on \(generated) by casepulse  ****\n"
        if includingSecret, let secretKey {
            text += "#   ZeroMQ CURVE **Secret** Certificate\n"
            text += "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\n"
            text += "metadata\n"
            for property in metadata { text += "    \(property.name) = \(property.value)\n" }
            text += "curve\n    public-key = \"\(publicKeyZ85)\"\n"
            text += "    secret-key = \"\(Z85.encode(secretKey) ?? "")\"\n"
        } else {
            text += "#   ZeroMQ CURVE Public Certificate\n"
            text += "#   Exchange securely, or use a secure mechanism to verify the contents\n"
            text += "#   of this file after exchange. Store public certificates in your home\n"
            text += "#   directory, in the .curve subdirectory.\n\n"
            text += "metadata\ncurve\n    public-key = \"\(publicKeyZ85)\"\n"
        }
        return text
    }

    /// Writes `NAME.key` (mode 0644) and `NAME.key_secret` (mode 0600) into `directory`: both
    /// files or neither.
    ///
    /// Existing files are never replaced: when either name is taken (by a file, a directory or a
    /// symbolic link, even one of the pair alone) nothing is written and the error names it. Both
    /// names are created exclusively (`O_EXCL`) before either is written, and when a file cannot
    /// be created or written, whatever this call created is removed again, so a failure leaves
    /// no public key beside a secret it does not belong to.
    ///
    /// - Parameter directory: An existing directory.
    /// - Returns: The paths written, public first.
    /// - Throws: ``CurveCertificateError`` when the certificate has no secret key, a file exists
    ///   or cannot be written.
    @discardableResult
    public func write(to directory: String) throws(CurveCertificateError) -> (publicPath: String, secretPath: String) {
        let base = (directory.hasSuffix("/") ? directory : directory + "/") + name
        let publicPath = base + ".key", secretPath = base + ".key_secret"
        guard secretKey != nil else {
            throw CurveCertificateError(path: secretPath, reason: "no secret key to write")
        }
        try Self.refuseExisting([publicPath, secretPath])
        let stamp = Self.timestamp()
        let files: [(path: String, text: String, mode: mode_t)] = [
            (publicPath, zplText(includingSecret: false, generated: stamp), 0o644),
            (secretPath, zplText(includingSecret: true, generated: stamp), 0o600),
        ]
        var created: [(path: String, fd: Int32)] = []
        defer { for file in created { close(file.fd) } }
        do throws(CurveCertificateError) {
            for file in files {
                let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, file.mode)
                guard fd >= 0 else {
                    // EEXIST here: the name was taken since the check above.
                    if errno == EEXIST { throw Self.existingError([file.path]) }
                    throw CurveCertificateError(path: file.path, reason: Self.errnoText())
                }
                created.append((file.path, fd))
            }
            for (file, handle) in zip(files, created) {
                try Self.writeFile(handle.fd, path: file.path, file.text, mode: file.mode)
            }
        } catch {
            for file in created { unlink(file.path) }
            throw error
        }
        return (publicPath, secretPath)
    }

    // MARK: Files

    /// Throws, naming the existing ones, when any of `paths` exists (`lstat`: a dangling symbolic
    /// link counts, as `O_EXCL` would refuse it too). Any other reason a path cannot be looked at
    /// is left to the `open` that creates it to report.
    private static func refuseExisting(_ paths: [String]) throws(CurveCertificateError) {
        let existing = paths.filter { path in
            var status = stat()
            return lstat(path, &status) == 0
        }
        if !existing.isEmpty { throw existingError(existing) }
    }

    /// `certificate FIRST: exists already (and so does OTHER); …`.
    private static func existingError(_ existing: [String]) -> CurveCertificateError {
        let others = existing.dropFirst().map { " (and so does \($0))" }.joined()
        return CurveCertificateError(
            path: existing.first ?? "",
            reason: "exists already\(others); existing certificate files are never replaced, nothing was written")
    }

    private static func readFile(_ path: String) throws(CurveCertificateError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CurveCertificateError(path: path, reason: errnoText()) }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw CurveCertificateError(path: path, reason: errnoText()) }
            if count == 0 { break }
            data += chunk[0..<count]
            guard data.count <= 65_536 else {
                throw CurveCertificateError(path: path, reason: "larger than 64 KiB: not a certificate")
            }
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw CurveCertificateError(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// Writes `text` to the new file `fd` (at `path`), gives it exactly `mode` and makes it durable.
    private static func writeFile(_ fd: Int32, path: String, _ text: String, mode: mode_t) throws(CurveCertificateError) {
        // The mode given to open is filtered by the umask; make it exact.
        guard fchmod(fd, mode) == 0 else { throw CurveCertificateError(path: path, reason: errnoText()) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw CurveCertificateError(path: path, reason: errnoText()) }
            bytes = bytes.dropFirst(written)
        }
        guard fsync(fd) == 0 else { throw CurveCertificateError(path: path, reason: errnoText()) }
    }

    private static func errnoText() -> String {
        "\(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// Local time as pyzmq prints `datetime.now()`: `2026-01-05 10:00:00.123456`.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        let micros = String(now.tv_nsec / 1000)
        let date = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return date + "." + String(repeating: "0", count: max(0, 6 - micros.count)) + micros
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
