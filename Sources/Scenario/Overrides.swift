import Foundation
import StrictYAML

/// Values a user changed, and quantities that can be written in more than one form.
///
/// A cell kind's hop rate is written either as `speed` with `persistence` or as `hop_rate`;
/// its division either as `doubling` or as `rate`. One layer (a file, or the `--set` list) may
/// give one form only; a later layer's form replaces an earlier layer's, so
/// `--set cells.keratinocyte.migration.hop_rate="0.1 /min"` wins over the inherited speed.
public enum Overrides {
    /// The alternative forms: the mapping's name (last key of its path) and its groups of keys.
    static let alternatives: [(map: String, groups: [[String]])] = [
        ("migration", [["speed", "persistence"], ["hop_rate"]]),
        ("proliferation", [["doubling"], ["rate"]]),
        ("mechanics", [["splint_radius"], ["still_radius"]]),
    ]

    /// The keys of `entries` (a mapping named `name`) from more than one form, if any.
    static func mixedForms(_ name: String, _ keys: [String]) -> [[String]]? {
        guard let alt = alternatives.first(where: { $0.map == name }) else { return nil }
        let used = alt.groups.filter { g in g.contains(where: keys.contains) }
        return used.count > 1 ? used : nil
    }

    /// `base` with the keys removed that `overlay` replaces by another form of the same
    /// quantity, at every mapping where the overlay gives one.
    static func droppingReplacedForms(_ base: YNode, by overlay: YNode) -> YNode {
        guard case let .map(mine) = overlay.value, case var .map(theirs) = base.value else { return base }
        for entry in mine {
            guard let i = theirs.firstIndex(where: { $0.key == entry.key }) else { continue }
            var child = droppingReplacedForms(theirs[i].value, by: entry.value)
            if let alt = alternatives.first(where: { $0.map == entry.key }), case let .map(overlayEntries) = entry.value.value,
               case let .map(baseEntries) = child.value {
                let given = Set(overlayEntries.filter { if case .null = $0.value.value { return false } else { return true } }.map(\.key))
                let replaced = alt.groups.filter { g in !g.contains(where: given.contains) }
                if replaced.count < alt.groups.count {
                    let drop = Set(replaced.flatMap { $0 })
                    child = YNode(.map(baseEntries.filter { !drop.contains($0.key) }), child.location)
                }
            }
            theirs[i] = YEntry(key: theirs[i].key, keyLocation: theirs[i].keyLocation, value: child)
        }
        return YNode(.map(theirs), base.location)
    }

    /// `tree` with the other forms removed at the mapping a `--set` of `path` writes into
    /// (`cells.keratinocyte.migration.hop_rate` removes that mapping's speed and persistence).
    static func droppingForms(replacedBy path: KeyPath, in tree: YNode) -> YNode {
        let keys = path.components.map(\.key)
        guard keys.count >= 2, path.components.dropLast().allSatisfy({ $0.selector == nil }),
              let alt = alternatives.first(where: { $0.map == keys[keys.count - 2] }),
              let group = alt.groups.first(where: { $0.contains(keys[keys.count - 1]) }) else { return tree }
        let drop = Set(alt.groups.filter { $0 != group }.flatMap { $0 })
        func walk(_ node: YNode, _ rest: ArraySlice<String>) -> YNode {
            guard case var .map(entries) = node.value else { return node }
            if rest.count == 1 { return YNode(.map(entries.filter { !drop.contains($0.key) }), node.location) }
            guard let i = entries.firstIndex(where: { $0.key == rest.first! }) else { return node }
            entries[i] = YEntry(key: entries[i].key, keyLocation: entries[i].keyLocation, value: walk(entries[i].value, rest.dropFirst()))
            return YNode(.map(entries), node.location)
        }
        return walk(tree, keys[...])
    }

    /// `[behaviour=migration,factor=EGF]` for a list entry that names them, else `[i]`: the
    /// same selector the resolved scenario's entry lines give, so a mark finds its line. Without
    /// an index, an entry that names neither gets "".
    static func selector(_ item: YNode, index: Int?) -> String {
        var parts: [String] = []
        for k in ["behaviour", "factor"] { if case let .scalar(v, _)? = item[k]?.value { parts.append("\(k)=\(v)") } }
        return parts.isEmpty ? index.map { "[\($0)]" } ?? "" : "[" + parts.joined(separator: ",") + "]"
    }

    /// The values a user set, by dotted key path (list entries by their selector, e.g.
    /// `responses[behaviour=migration,factor=EGF].ec50`): "--set" for a value from the command
    /// line, the file's name for a value from a file that extends another. Values of the bundled
    /// scenarios, and of a scenario that is one file only, are not marked.
    public static func marks(_ tree: YNode) -> [String: String] {
        var leaves: [(String, SourceLocation)] = []
        func walk(_ node: YNode, _ path: String) {
            switch node.value {
            case let .map(entries):
                for e in entries { walk(e.value, path.isEmpty ? e.key : "\(path).\(e.key)") }
            case let .list(items):
                if items.allSatisfy({ if case .scalar = $0.value { return true } else { return false } }) { leaves.append((path, node.location)) }
                else { for (i, item) in items.enumerated() { walk(item, path + selector(item, index: i)) } }
            case .scalar, .null:
                leaves.append((path, node.location))
            }
        }
        walk(tree, "")
        let files = Set(leaves.map(\.1).filter { $0.line > 0 }.map(\.file))
        var marks: [String: String] = [:]
        for (path, location) in leaves where path != "name" && path != "description" && path != "extends" {
            if location.line == 0 { marks[path] = "--set" }
            else if files.count > 1, !location.file.hasPrefix("[bundled]") { marks[path] = (location.file as NSString).lastPathComponent }
        }
        return marks
    }

    /// The key a resolved scenario writes for a key a user may set: speed and persistence
    /// become the hop rate, a doubling time the proliferation rate.
    static func resolvedKey(_ key: String) -> String {
        for (from, to) in [(".migration.speed", ".migration.hop_rate"), (".migration.persistence", ".migration.hop_rate"),
                           (".proliferation.doubling", ".proliferation.rate")] where key.hasSuffix(from) {
            return String(key.dropLast(from.count)) + to
        }
        return key
    }

    /// `yaml` (a resolved scenario) with `# set by --set` or `# set in FILE` after each line
    /// that holds a marked value. A line that holds several values (a flow mapping, a list
    /// entry) names the keys that were set: `# set by --set: ec50`. Comments only: the values,
    /// and so the run ids, are unchanged.
    public static func annotate(_ yaml: String, marks: [String: String]) -> String {
        guard !marks.isEmpty else { return yaml }
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The path of every line: block keys by indentation (two spaces a level), a list entry
        // line (`- {behaviour: migration, factor: EGF, ...}`) by its selector.
        var stack: [(indent: Int, key: String)] = []
        var paths: [String?] = []
        for line in lines {
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if body.hasPrefix("- {") {
                let parent = stack.filter { $0.indent < indent }.map(\.key).joined(separator: ".")
                var parts: [String] = []
                for k in ["behaviour", "factor"] {
                    if let r = body.range(of: "\(k): ") {
                        parts.append("\(k)=" + body[r.upperBound...].prefix { $0 != "," && $0 != "}" })
                    }
                }
                paths.append(parts.isEmpty ? nil : parent + "[" + parts.joined(separator: ",") + "]")
                continue
            }
            guard !body.hasPrefix("#"), !body.hasPrefix("- "), let colon = body.firstIndex(of: ":") else { paths.append(nil); continue }
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            stack.append((indent, String(body[..<colon])))
            paths.append(stack.map(\.key).joined(separator: "."))
        }
        // Per line: label -> the keys set inside it ("" for the line's own value).
        var labels = [[String: Set<String>]](repeating: [:], count: lines.count)
        for (key, label) in marks {
            let target = resolvedKey(key)
            let bare = target.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "", options: .regularExpression)
            var best: (line: Int, length: Int, target: String)? = nil
            for (i, p) in paths.enumerated() {
                guard let p else { continue }
                for t in [target, bare] where t == p || t.hasPrefix(p + ".") || t.hasPrefix(p + "[") {
                    if best == nil || p.count > best!.length { best = (i, p.count, t) }
                }
            }
            guard let (i, length, t) = best else { continue }
            let inner = t.count > length ? String(t.dropFirst(length + 1)).split(separator: ".").last.map(String.init) ?? "" : ""
            labels[i][label == "--set" ? "set by --set" : "set in \(label)", default: []].insert(inner)
        }
        for i in lines.indices where !labels[i].isEmpty {
            let parts = labels[i].sorted { $0.key < $1.key }.map { label, keys -> String in
                let named = keys.filter { !$0.isEmpty }.sorted()
                return named.isEmpty || keys.contains("") ? label : label + ": " + named.joined(separator: ", ")
            }
            lines[i] += "  # " + parts.joined(separator: "; ")
        }
        return lines.joined(separator: "\n")
    }
}
