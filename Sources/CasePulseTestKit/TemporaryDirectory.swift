#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A fresh directory under the system's temporary directory, removed with everything in it when
/// the last reference to it goes.
///
/// Tests hold one for as long as they use the files in it — a fixture as a stored property, a
/// test as a local — so no run leaves anything behind, however the test ends. A daemon's state
/// directory preallocates its journal, so a leaked one costs hundreds of megabytes.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// The directory as a file URL.
    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// Creates `<tmp>/<prefix>-XXXXXX` with `mkdtemp(3)`, so the name is unique among concurrent
    /// tests and processes; the error names the template and the errno.
    public init(prefix: String) throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-XXXXXX").path
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
            return String(cString: result)
        }
        guard let made else { throw TemporaryDirectoryError(template: template, errno: errno) }
        path = made
    }

    /// `path` + "/" + `name`.
    public func appending(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// `mkdtemp(3)` failed for a template.
public struct TemporaryDirectoryError: Error, CustomStringConvertible {
    /// The template path, ending in `XXXXXX`.
    public var template: String
    /// The errno `mkdtemp` set.
    public var errno: Int32

    /// One line naming the template and the system's reason.
    public var description: String { "cannot create a temporary directory \(template): \(String(cString: strerror(errno)))" }
}
