import Foundation
import GRDB

extension Row {
    /// Calls `body` with the bytes of the blob or text at column `index`, borrowed from SQLite for
    /// the current step (no copy); `NULL` lends no bytes.
    func withUnsafeBytes<T>(atIndex index: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try withUnsafeData(atIndex: index) { (data: Data?) in try (data ?? Data()).withUnsafeBytes(body) }
    }
}
