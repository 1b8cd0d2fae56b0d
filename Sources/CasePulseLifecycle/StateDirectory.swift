import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The state directory made ready before the server starts: created when missing (mode 0700),
/// proven writable by creating and removing a file in it.
public enum StateDirectory {
    /// Creates `path` if needed and checks that the daemon can write there; the error is one line
    /// naming the directory and the reason.
    public static func prepare(_ path: String) throws(ConfigurationError) {
        let refuse = refusal(of: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw refuse("it is not a directory") }
        } else {
            try createDirectories(path, refuse: refuse)
        }
        try probeWrite(path, refuse: refuse)
    }

    /// Checks that ``prepare(_:)`` would succeed, leaving nothing behind (`casepulsed
    /// --check-config`): `path` is a directory the daemon can create a file in, or, when missing,
    /// its nearest existing parent is one it can create the next directory of the path in (made and
    /// removed again, as a file in an existing directory is). The error is one line naming the
    /// directory and the reason.
    public static func check(_ path: String) throws(ConfigurationError) {
        let refuse = refusal(of: path)
        var missing: String?
        var existing = path
        while !FileManager.default.fileExists(atPath: existing), existing != "/", !existing.isEmpty {
            missing = existing
            existing = (existing as NSString).deletingLastPathComponent
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw refuse(missing == nil ? "it is not a directory" : "\(existing) is not a directory")
        }
        if let missing {
            guard mkdir(missing, 0o700) == 0 else {
                let code = errno
                throw refuse("cannot create \(missing): \(String(cString: strerror(code))) (errno \(code))")
            }
            rmdir(missing)
            return
        }
        try probeWrite(path, refuse: refuse)
    }

    /// The error for `path` not being usable, for a reason: one line naming it.
    private static func refusal(of path: String) -> (String) -> ConfigurationError {
        { reason in ConfigurationError(origin: nil, key: nil, problem: "state directory \(path) is not usable: \(reason)") }
    }

    /// Creates and removes a file in `path`, proving the daemon can write there.
    private static func probeWrite(_ path: String, refuse: (String) -> ConfigurationError) throws(ConfigurationError) {
        let probe = "\(path)/.casepulsed-write-check-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw refuse("cannot write in it: \(String(cString: strerror(code))) (errno \(code))")
        }
        close(fd)
        unlink(probe)
    }

    /// `mkdir -p` with mode 0700 for the directories it creates; the error names the errno.
    private static func createDirectories(_ path: String, refuse: (String) -> ConfigurationError) throws(ConfigurationError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/\(component)"
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                let code = errno
                throw refuse("cannot create \(prefix): \(String(cString: strerror(code))) (errno \(code))")
            }
        }
    }
}
