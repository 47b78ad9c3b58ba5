import Foundation

/// A dotted key path into a YAML tree, as `--set`, sweep files and messages write it:
/// `cells.keratinocyte.migration.lag`, with list entries addressed by position
/// (`cells.keratinocyte.responses[2].ec50`) or by the values of their keys
/// (`cells.keratinocyte.responses[behaviour=proliferation,factor=EGF].ec50`), which stays right when
/// entries are added or reordered. A selector must match exactly one entry.
public struct KeyPath: Sendable, Equatable, CustomStringConvertible {
    /// How one list entry is chosen.
    public enum Selector: Sendable, Equatable {
        case index(Int)
        /// Every `key=value` pair must match a scalar of the entry (a mapping).
        case match([(key: String, value: String)])

        public static func == (a: Selector, b: Selector) -> Bool {
            switch (a, b) {
            case let (.index(x), .index(y)): return x == y
            case let (.match(x), .match(y)): return x.map(\.key) == y.map(\.key) && x.map(\.value) == y.map(\.value)
            default: return false
            }
        }
    }

    public struct Component: Sendable, Equatable {
        public var key: String
        /// The list entry of `key`'s value, if the component selects one.
        public var selector: Selector?
    }

    public var components: [Component]
    public let text: String
    public var description: String { text }

    /// Parses a key path; nil with a reason when it is malformed.
    public static func parse(_ text: String) -> Result<KeyPath, KeyPathError> {
        var components: [Component] = []
        var i = text.startIndex
        func fail(_ why: String) -> Result<KeyPath, KeyPathError> { .failure(KeyPathError(text: text, reason: why)) }
        while i < text.endIndex {
            // A key: up to '.', '[' or the end.
            var key = ""
            while i < text.endIndex, text[i] != ".", text[i] != "[" { key.append(text[i]); i = text.index(after: i) }
            guard !key.isEmpty else { return fail("has an empty part") }
            var selector: Selector?
            if i < text.endIndex, text[i] == "[" {
                guard let close = text[i...].firstIndex(of: "]") else { return fail("has a `[` without its `]`") }
                let inside = String(text[text.index(after: i)..<close]).trimmingCharacters(in: .whitespaces)
                if let n = Int(inside) {
                    guard n >= 0 else { return fail("has a negative list index") }
                    selector = .index(n)
                } else {
                    var pairs: [(key: String, value: String)] = []
                    for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
                        let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                        guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                            return fail("selects a list entry with `[\(inside)]`; write an index such as [0] or key=value pairs such as [factor=EGF]")
                        }
                        pairs.append((kv[0], kv[1]))
                    }
                    selector = .match(pairs)
                }
                i = text.index(after: close)
            }
            components.append(Component(key: key, selector: selector))
            if i < text.endIndex {
                guard text[i] == "." else { return fail("has `\(text[i])` after `]`; a `.` must follow") }
                i = text.index(after: i)
                guard i < text.endIndex else { return fail("ends with `.`") }
            }
        }
        guard !components.isEmpty else { return fail("is empty") }
        return .success(KeyPath(components: components, text: text))
    }
}

/// A malformed key path, or one that does not fit the tree.
public struct KeyPathError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { reason }
}

extension YNode {
    /// The list entry `selector` picks from this node (a list), or why none is picked.
    public func entryIndex(_ selector: KeyPath.Selector, key: String) -> Result<Int, KeyPathError> {
        guard case let .list(items) = value else {
            return .failure(KeyPathError(text: key, reason: "`\(key)` is \(kindName), not a list, so it has no entries to select"))
        }
        switch selector {
        case let .index(n):
            guard n < items.count else {
                return .failure(KeyPathError(text: key, reason: "`\(key)` has \(items.count) entries, so [\(n)] is past its end (entries count from 0)"))
            }
            return .success(n)
        case let .match(pairs):
            let hits = items.indices.filter { k in
                pairs.allSatisfy { p in
                    if case let .scalar(s, _) = items[k][p.key]?.value { return s == p.value }
                    return false
                }
            }
            let written = pairs.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            guard hits.count == 1 else {
                return .failure(KeyPathError(text: key, reason: hits.isEmpty
                    ? "no entry of `\(key)` has \(written)"
                    : "\(hits.count) entries of `\(key)` have \(written) (entries \(hits.map(String.init).joined(separator: ", "))); add a key to tell them apart"))
            }
            return .success(hits[0])
        }
    }

    /// The value at a key path, or nil when any part is absent.
    public func value(at path: KeyPath) -> YNode? {
        var node = self
        for c in path.components {
            guard let child = node[c.key] else { return nil }
            node = child
            if let s = c.selector {
                guard case let .success(k) = node.entryIndex(s, key: c.key), case let .list(items) = node.value else { return nil }
                node = items[k]
            }
        }
        return node
    }

    /// Sets the value at a key path, creating mappings on the way. A list entry must exist (a
    /// path cannot make new entries); the error says which part does not fit.
    public mutating func set(_ path: KeyPath, to newValue: YNode) -> KeyPathError? {
        set(components: path.components[...], to: newValue)
    }

    private mutating func set(components: ArraySlice<KeyPath.Component>, to newValue: YNode) -> KeyPathError? {
        guard let first = components.first else { self = newValue; return nil }
        if case .null = value { value = .map([]) }
        guard case var .map(entries) = value else {
            return KeyPathError(text: first.key, reason: "runs through a value that is \(kindName), not a mapping")
        }
        let rest = components.dropFirst()
        if let i = entries.firstIndex(where: { $0.key == first.key }) {
            var child = entries[i].value
            if let selector = first.selector {
                switch child.entryIndex(selector, key: first.key) {
                case let .failure(error): return error
                case let .success(k):
                    guard case var .list(items) = child.value else { return nil }
                    var entry = items[k]
                    if let error = entry.set(components: rest, to: newValue) { return error }
                    items[k] = entry
                    child.value = .list(items)
                }
            } else if let error = child.set(components: rest, to: newValue) {
                return error
            }
            entries[i].value = child
        } else {
            if first.selector != nil {
                return KeyPathError(text: first.key, reason: "`\(first.key)` is not there, so it has no entries to select")
            }
            var child = YNode(.null, newValue.location)
            if let error = child.set(components: rest, to: newValue) { return error }
            entries.append(YEntry(key: first.key, keyLocation: newValue.location, value: child))
        }
        value = .map(entries)
        return nil
    }
}
