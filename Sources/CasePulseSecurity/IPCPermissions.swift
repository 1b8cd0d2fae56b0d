import Foundation

/// Restricts who may connect to an `ipc://` endpoint: its socket file's mode.
///
/// Anyone who can open a Unix socket file can connect to it, so casepulsed's ipc endpoints are
/// made owner-only (0600) — or owner and group (0660) for a dedicated group — right after binding.
/// A umask of 077 in the daemon (systemd `UMask=0077`) closes the short window between bind and
/// chmod; the runtime directory (`RuntimeDirectoryMode=0750`) is the outer fence.
public enum IPCPermissions {
    /// The path of an `ipc://` endpoint, `nil` for other transports (and abstract `ipc://@name`).
    public static func path(of endpoint: String) -> String? {
        guard endpoint.hasPrefix("ipc://") else { return nil }
        let path = String(endpoint.dropFirst("ipc://".count))
        return path.isEmpty || path.hasPrefix("@") ? nil : path
    }

    /// Sets the mode of an `ipc://` endpoint's socket file; does nothing for other endpoints.
    ///
    /// - Parameters:
    ///   - endpoint: A bound endpoint.
    ///   - mode: The file mode, 0600 by default.
    /// - Throws: ``CurveSecurityError`` when the mode cannot be set.
    public static func restrict(_ endpoint: String, mode: mode_t = 0o600) throws(CurveSecurityError) {
        guard let path = path(of: endpoint) else { return }
        guard chmod(path, mode) == 0 else {
            throw CurveSecurityError("cannot chmod \(String(mode, radix: 8)) \(path): \(String(cString: strerror(errno))) (errno \(errno))")
        }
    }
}
