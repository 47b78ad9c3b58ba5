import Foundation
import SimCore

/// Typed reads from a `YNode` tree (scenario and sweep files alike) that collect every problem instead of stopping at the first.
public final class Reader {
    public init() {}
    public var issues: [InputIssue] = []
    public var warnings: [InputIssue] = []
    /// When set, every typed read (present or not) is reported as (dotted key, what it takes):
    /// `woundsim keys` learns the schema from the decoder itself.
    public var schema: ((_ key: String, _ type: String) -> Void)? = nil

    public func fail(_ node: YNode?, _ key: String, _ message: String, hint: String = "", at location: SourceLocation? = nil) {
        issues.append(InputIssue(location: location ?? node?.location ?? SourceLocation(file: "?", line: 0, column: 0),
                                    key: key, message: message, hint: hint))
    }

    /// The entries of a mapping; unknown keys are reported with a "did you mean", missing
    /// required keys at the mapping's own position.
    public func map(_ node: YNode?, _ key: String, allowed: [String], required: [String] = [], at parent: SourceLocation? = nil) -> [String: YNode]? {
        guard let node else {
            // An absent optional mapping is fine; its parent's `required` list catches absent
            // mandatory ones. Only a caller that names the parent's position asks for a report.
            if let parent { fail(nil, key, "is missing", hint: "add `\(key.split(separator: ".").last ?? "")`", at: parent) }
            return nil
        }
        guard case let .map(entries) = node.value else {
            fail(node, key, "must be a mapping (key: value lines), not \(node.kindName)", hint: "write it as `\(key.split(separator: ".").last ?? ""):` followed by indented keys")
            return nil
        }
        var result: [String: YNode] = [:]
        for e in entries {
            if case .null = e.value.value { continue }  // `key: ~` is the same as no key
            let path = key.isEmpty ? e.key : "\(key).\(e.key)"
            if allowed.contains(e.key) {
                result[e.key] = e.value
            } else {
                let close = allowed.min { editDistance($0, e.key) < editDistance($1, e.key) }
                let suggestion = close.flatMap { editDistance($0, e.key) <= max(2, e.key.count / 3) ? $0 : nil }
                let hint = suggestion.map { "did you mean `\($0)`?" } ?? "the keys here are: \(allowed.joined(separator: ", "))"
                fail(nil, path, "unknown key", hint: hint, at: e.keyLocation)
            }
        }
        for r in required where result[r] == nil {
            fail(node, key.isEmpty ? r : "\(key).\(r)", "is missing", hint: "add `\(r):` here")
        }
        return result
    }

    public func scalar(_ node: YNode?, _ key: String) -> String? {
        guard let node else { return nil }
        guard case let .scalar(s, _) = node.value else {
            fail(node, key, "must be a single value, not \(node.kindName)")
            return nil
        }
        return s
    }

    public func string(_ node: YNode?, _ key: String) -> String? { schema?(key, "text"); return scalar(node, key) }

    public func list(_ node: YNode?, _ key: String) -> [YNode]? {
        schema?(key, "list")
        guard let node else { return nil }
        guard case let .list(items) = node.value else {
            fail(node, key, "must be a list, not \(node.kindName)", hint: "write it as [a, b] or as lines starting with `- `")
            return nil
        }
        return items
    }

    /// A plain number (no unit) in [min, max].
    public func number(_ node: YNode?, _ key: String, min: Double? = nil, max: Double? = nil, positive: Bool = false) -> Double? {
        schema?(key, "number" + (min != nil || max != nil ? " (\(min.map { "\($0)" } ?? "") to \(max.map { "\($0)" } ?? ""))" : ""))
        guard let text = scalar(node, key) else { return nil }
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)) else {
            if (try? Units.parse(text, as: .length)) != nil || text.contains(" ") {
                fail(node, key, "\"\(text)\" must be a plain number without a unit")
            } else {
                fail(node, key, "\"\(text)\" is not a number")
            }
            return nil
        }
        return check(v, node, key, min: min, max: max, positive: positive, shown: text)
    }

    public func integer(_ node: YNode?, _ key: String, min: Int? = nil, max: Int? = nil) -> Int? {
        schema?(key, "whole number")
        guard let text = scalar(node, key) else { return nil }
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
            fail(node, key, "\"\(text)\" must be a whole number")
            return nil
        }
        if let min, v < min { fail(node, key, "\(v) must be at least \(min)"); return nil }
        if let max, v > max { fail(node, key, "\(v) must be at most \(max)"); return nil }
        return v
    }

    /// A value with a unit of `kind`, converted to internal units.
    public func quantity(_ node: YNode?, _ key: String, _ kind: QuantityKind, molarMass: Double? = nil,
                  min: Double? = 0, max: Double? = nil, positive: Bool = false) -> Double? {
        schema?(key, "\(kind.rawValue), e.g. \(kind.example)")
        guard let text = scalar(node, key) else { return nil }
        do {
            let v = try Units.parse(text, as: kind, molarMass: molarMass)
            if let range = kind.plausible, v != 0, v.isFinite, !range.contains(abs(v)), let node {
                warnings.append(InputIssue(location: node.location, key: key,
                                           message: "\"\(text)\" is far outside the plausible range of a \(kind.rawValue) (\(kind.plausibleText))",
                                           hint: "check the number and its unit"))
            }
            return check(v, node, key, min: min, max: max, positive: positive, shown: "\"\(text)\"")
        } catch {
            fail(node, key, error.message.hasPrefix("\"") ? error.message : "\"\(text)\" \(error.message)",
                 hint: "write a number and a unit, for example \(kind.example)")
            return nil
        }
    }

    private func check(_ v: Double, _ node: YNode?, _ key: String, min: Double?, max: Double?, positive: Bool, shown: String) -> Double? {
        guard v.isFinite else { fail(node, key, "\(shown) is not a finite number"); return nil }
        if positive, v <= 0 { fail(node, key, "\(shown) must be greater than zero"); return nil }
        if let min, v < min { fail(node, key, "\(shown) must not be negative"); return nil }
        if let max, v > max { fail(node, key, "\(shown) must be at most \(max)"); return nil }
        return v
    }

    public func choice(_ node: YNode?, _ key: String, _ options: [String]) -> String? {
        schema?(key, "one of: " + options.joined(separator: ", "))
        guard let text = scalar(node, key) else { return nil }
        if options.contains(text) { return text }
        let close = options.min { editDistance($0, text) < editDistance($1, text) }
        let hint = close.flatMap { editDistance($0, text) <= 3 ? "did you mean `\($0)`?" : nil } ?? "choose one of: \(options.joined(separator: ", "))"
        fail(node, key, "\"\(text)\" is not one of \(options.joined(separator: ", "))", hint: hint)
        return nil
    }

    public func bool(_ node: YNode?, _ key: String) -> Bool? {
        schema?(key, "true or false")
        guard let text = scalar(node, key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: fail(node, key, "\"\(text)\" must be true or false"); return nil
        }
    }

    /// A citation; a retracted one is kept and warned about (`woundsim check`).
    public func source(_ node: YNode?, _ key: String) -> String? {
        guard let text = string(node, key) else { return nil }
        if text.lowercased().contains("retracted") {
            warnings.append(InputIssue(location: node!.location, key: key, message: "cites a retracted source (\(text))",
                                          hint: "a prior, not a fact: vary it in a sweep rather than trusting it"))
        }
        return text
    }

    /// A mapping's entries in file order, any keys allowed (the caller checks them).
    public func mapInOrder(_ node: YNode?, _ key: String) -> [YEntry]? {
        guard let node else { return nil }
        guard case let .map(entries) = node.value else {
            fail(node, key, "must be a mapping (key: value lines), not \(node.kindName)", hint: "write each parameter as `dotted.key: [values]` on its own line")
            return nil
        }
        return entries
    }
}
