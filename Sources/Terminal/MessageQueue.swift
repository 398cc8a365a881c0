import Synchronization

/// Messages posted from other threads (background training) waiting to be shown on the shell's
/// thread. `post` is thread-safe; the shell's thread takes everything at once with `drain` and
/// prints the batch with one redraw.
public final class MessageQueue: Sendable {
    private let items = Mutex<[String]>([])

    public init() {}

    /// Appends a message (any thread). One trailing newline is dropped: the console adds its own.
    public func post(_ message: String) {
        let text = message.hasSuffix("\n") ? String(message.dropLast()) : message
        items.withLock { $0.append(text) }
    }

    /// Removes and returns every queued message, oldest first.
    public func drain() -> [String] {
        items.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
    }

    /// Number of queued messages.
    public var count: Int { items.withLock { $0.count } }

    /// The text printed for one batch: the messages joined by newlines, or `nil` for no messages.
    public static func batchText(_ messages: [String]) -> String? {
        messages.isEmpty ? nil : messages.joined(separator: "\n")
    }
}
