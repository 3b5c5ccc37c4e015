#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// POSIX file access for the IO layer: reading a file at offsets, and replacing a file atomically. Every
// failure is a `SwishError.io` naming the path and the system's reason.

/// The text of the current `errno`.
private func systemError() -> String { String(cString: strerror(errno)) }

/// `write(2)`, under a name that does not clash with `Writer.write`.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// A regular file opened for reading, with its size taken once at open.
final class _ReadableFile: _ByteSource {
    let path: String
    let size: Int
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        // O_NONBLOCK so that opening a FIFO by mistake fails the regular-file check below instead of
        // waiting for a writer; it changes nothing for reads of a regular file.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw SwishError.io("cannot open '\(path)' for reading: \(systemError())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = systemError()
            close(fd)
            throw SwishError.io("cannot read the size of '\(path)': \(reason)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw SwishError.io("'\(path)' is not a regular file")
        }
        self.fd = fd
        self.size = Int(info.st_size)
    }

    deinit { close(fd) }

    /// Fills `buffer` from `offset`; a file that ends early (it shrank after it was opened) is an io error.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SwishError.io("cannot read '\(path)': \(systemError())")
            }
            if n == 0 {
                throw SwishError.io(
                    "'\(path)' ended at byte \(offset + done), before the \(size) bytes it had when opened (did it change while being read?)"
                )
            }
            done += n
        }
    }
}

/// Replaces files atomically: write a temporary file in the target's folder, fsync it, rename it over the
/// target, fsync the folder. Readers see the old file or the new one, never a mix, and a crash or error
/// before the rename leaves the old file as it was.
enum _AtomicFile {
    /// An open temporary file that `write(to:_:)` hands to its body.
    struct Writer {
        fileprivate let fd: Int32
        fileprivate let path: String

        /// Appends `bytes`, retrying short writes and interrupted calls.
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SwishError.io("cannot write '\(path)': \(systemError())")
                }
                done += n
            }
        }
    }

    /// Runs `body` to fill a temporary file, then puts it in place of `path`. If `body` or any step
    /// throws, the temporary file is removed, `path` is untouched, and the error is rethrown.
    static func write(to path: String, _ body: (Writer) throws -> Void) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else { throw SwishError.io("cannot save to '\(path)': the path names a folder") }

        // A hidden name next to the target, unique per process and attempt; O_EXCL never reuses a file.
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<16 {
            temporary = "\(folder)/.\(base).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw SwishError.io("cannot create a temporary file in '\(folder)' to save '\(path)': \(systemError())")
        }
        var closed = false
        do {
            // Keep the permissions of the file being replaced (a new file gets 0666 less the umask).
            var existing = stat()
            if stat(path, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG {
                _ = fchmod(fd, existing.st_mode & 0o7777)
            }
            try body(Writer(fd: fd, path: temporary))
            guard fsync(fd) == 0 else { throw SwishError.io("cannot flush '\(temporary)' to disk: \(systemError())") }
            closed = true
            guard close(fd) == 0 else { throw SwishError.io("cannot close '\(temporary)': \(systemError())") }
            guard rename(temporary, path) == 0 else {
                throw SwishError.io("cannot rename the temporary file to '\(path)': \(systemError())")
            }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
        // The new file is in place; flush the folder so the rename itself survives a crash. File
        // systems that cannot fsync a folder (EINVAL) are fine with that.
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            let ok = fsync(dir) == 0 || errno == EINVAL
            let reason = systemError()
            close(dir)
            guard ok else { throw SwishError.io("saved '\(path)' but could not flush its folder: \(reason)") }
        }
    }
}
