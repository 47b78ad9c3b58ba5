import Foundation
import Yams

/// Where a value came from: a file and position, or a `--set` on the command line.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
    public static func commandLine(_ what: String) -> SourceLocation { SourceLocation(file: what, line: 0, column: 0) }
}

/// A YAML document as a plain tree that remembers where every node came from, so that files
/// can be merged (`extends:`), overridden (`--set`) and still report positions.
public indirect enum YValue: Sendable, Equatable {
    case scalar(String, quoted: Bool)
    case map([YEntry])
    case list([YNode])
    case null
}

public struct YEntry: Sendable, Equatable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: YNode
    public init(key: String, keyLocation: SourceLocation, value: YNode) { self.key = key; self.keyLocation = keyLocation; self.value = value }
}

public struct YNode: Sendable, Equatable {
    public var value: YValue
    public var location: SourceLocation

    public init(_ value: YValue, _ location: SourceLocation) { self.value = value; self.location = location }

    /// What kind of node this is, for messages.
    public var kindName: String {
        switch value {
        case .scalar: return "a value"
        case .map: return "a mapping"
        case .list: return "a list"
        case .null: return "nothing"
        }
    }

    /// Parses YAML text. Duplicate keys are reported in `issues`, the later value wins.
    /// Whether a parse error at `line` may come from a tab: any line up to it indents with one.
    static func mark(_ line: Int, in lines: [Substring]) -> Bool {
        firstIndentTab(lines).map { $0.line <= max(line, 1) } ?? false
    }

    /// The first line (1-based) whose leading whitespace holds a tab, and the tab's column.
    static func firstIndentTab(_ lines: [Substring]) -> (line: Int, column: Int)? {
        for (n, line) in lines.enumerated() {
            var column = 1
            for c in line {
                if c == "\t" { return (n + 1, column) }
                if c != " " { break }
                column += 1
            }
        }
        return nil
    }

    public static func parse(_ text: String, file: String, issues: inout [InputIssue]) -> YNode? {
        if text.utf8.contains(0) {
            issues.append(InputIssue(location: SourceLocation(file: file, line: 1, column: 1), key: "", message: "is not YAML text (it contains NUL bytes)", hint: "give a scenario file in YAML"))
            return nil
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            var location = SourceLocation(file: file, line: 1, column: 1)
            var message = "\(error)"
            if let e = error as? YamlError {
                switch e {
                case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _):
                    location = SourceLocation(file: file, line: mark.line, column: mark.column)
                    message = problem
                default: break
                }
            }
            // YAML indents with spaces only; say so rather than Yams's "cannot start any token".
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if mark(location.line, in: lines), let (n, column) = firstIndentTab(lines) {
                issues.append(InputIssue(location: SourceLocation(file: file, line: n, column: column), key: "",
                                         message: "a tab in the indentation: YAML indents with spaces only",
                                         hint: "replace the tab with spaces (most editors: \"convert indentation to spaces\")"))
                return nil
            }
            if let range = message.range(of: "duplicated key(s): '"), let end = message[range.upperBound...].firstIndex(of: "'") {
                // Yams reports duplicates without a position: find the key's second occurrence.
                let key = String(message[range.upperBound..<end])
                var seen = 0
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let trimmed = line.drop { $0 == " " }
                    if trimmed.hasPrefix(key + ":") {
                        seen += 1
                        if seen == 2 {
                            issues.append(InputIssue(location: SourceLocation(file: file, line: n + 1, column: line.count - trimmed.count + 1),
                                                        key: key, message: "is given twice", hint: "keep one of them"))
                            return nil
                        }
                    }
                }
            }
            issues.append(InputIssue(location: location, key: "", message: "is not valid YAML: \(message)", hint: "check the indentation and quoting near this line"))
            return nil
        }
        guard let node else {
            issues.append(InputIssue(location: SourceLocation(file: file, line: 1, column: 1), key: "", message: "is empty", hint: "a scenario needs at least `name:`"))
            return nil
        }
        return convert(node, file: file, path: "", issues: &issues)
    }

    static func location(_ mark: Mark?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    static func convert(_ node: Node, file: String, path: String, issues: inout [InputIssue]) -> YNode {
        let loc = location(node.mark, file)
        switch node {
        case let .scalar(s):
            if s.style == .plain, ["~", "null", "Null", "NULL", ""].contains(s.string) { return YNode(.null, loc) }
            return YNode(.scalar(s.string, quoted: s.style != .plain), loc)
        case let .sequence(seq):
            return YNode(.list(seq.enumerated().map { convert($1, file: file, path: "\(path)[\($0)]", issues: &issues) }), loc)
        case let .mapping(map):
            var entries: [YEntry] = []
            for (k, v) in map {
                let keyText = k.scalar?.string ?? "\(k)"
                let keyPath = path.isEmpty ? keyText : "\(path).\(keyText)"
                let keyLoc = location(k.mark, file)
                let value = convert(v, file: file, path: keyPath, issues: &issues)
                if let i = entries.firstIndex(where: { $0.key == keyText }) {
                    issues.append(InputIssue(location: keyLoc, key: keyPath, message: "is given twice (first at line \(entries[i].keyLocation.line))", hint: "keep one of them"))
                    entries[i] = YEntry(key: keyText, keyLocation: keyLoc, value: value)
                } else {
                    entries.append(YEntry(key: keyText, keyLocation: keyLoc, value: value))
                }
            }
            return YNode(.map(entries), loc)
        case .alias:
            return YNode(.null, loc)
        }
    }

    /// The value at a key of a mapping.
    public subscript(key: String) -> YNode? {
        guard case let .map(entries) = value else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// `base` overridden by `self`: mappings merge key by key (recursively), anything else is
    /// replaced, and a key set to null (`~`) drops the inherited value.
    public func merged(over base: YNode) -> YNode {
        guard case let .map(mine) = value, case var .map(theirs) = base.value else { return self }
        for entry in mine {
            if case .null = entry.value.value {
                theirs.removeAll { $0.key == entry.key }
                continue
            }
            if let i = theirs.firstIndex(where: { $0.key == entry.key }) {
                theirs[i] = YEntry(key: entry.key, keyLocation: entry.keyLocation, value: entry.value.merged(over: theirs[i].value))
            } else {
                theirs.append(entry)
            }
        }
        return YNode(.map(theirs), location)
    }
}

/// One problem with a scenario: where, which key, what is wrong, and how to fix it.
public struct InputIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    /// Dotted key path (`factors.EGF.decay`); empty for the file as a whole.
    public var key: String
    public var message: String
    public var hint: String

    public init(location: SourceLocation, key: String, message: String, hint: String = "") {
        self.location = location; self.key = key; self.message = message; self.hint = hint
    }

    public var description: String {
        let what = key.isEmpty ? message : "\(key): \(message)"
        return hint.isEmpty ? "\(location): \(what)" : "\(location): \(what)\n  hint: \(hint)"
    }
}

/// Every problem found in a scenario, reported together.
public struct InputErrors: Error, Sendable, CustomStringConvertible {
    public var issues: [InputIssue]
    public init(issues: [InputIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
