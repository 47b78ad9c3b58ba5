import Fields
import Foundation
import SimCore
import StrictYAML

/// Finds scenario files and bundled scenarios, resolves `extends:` and applies `--set`.
public enum ScenarioLoader {
    /// Names of the bundled scenarios (`Scenarios/*.yaml`, embedded in the binary).
    public static var bundledNames: [String] { BundledScenarioText.files.keys.sorted() }

    /// The text of a bundled scenario.
    public static func bundledText(_ name: String) -> String? { BundledScenarioText.files[name] }

    /// The factors of the bundled base scenario (`excisional-wound-control`: EGF, bFGF, VEGF, HGF
    /// with the cited diffusion, decay and molar mass), for benchmarks and tests that need the
    /// real factor table without a whole scenario. The scenario file is their one source.
    /// Decoded once, on first use.
    public static let bundledFactors: [FactorSpec] = {
        do { return try load("excisional-wound-control").scenario.model.factors }
        catch { preconditionFailure("the bundled base scenario does not load: \(error)") }
    }()

    /// The description line of a bundled scenario.
    public static func bundledDescription(_ name: String) -> String {
        guard let text = bundledText(name) else { return "" }
        for line in text.split(separator: "\n") where line.hasPrefix("description:") {
            return line.dropFirst("description:".count).trimmingCharacters(in: .whitespaces)
        }
        return ""
    }

    /// Loads a scenario from a file path or a bundled name, with its `extends:` chain merged and
    /// the `KEY=VALUE` overrides applied, then decodes it.
    /// - Throws: `InputErrors` with every problem found, each with file, line, key and hint.
    public static func load(_ reference: String, sets: [String] = []) throws(InputErrors) -> (scenario: Scenario, tree: YNode) {
        var issues: [InputIssue] = []
        var notes: [String] = []
        guard var tree = resolve(reference, from: nil, chain: [], issues: &issues, notes: &notes) else { throw InputErrors(issues: issues) }
        for assignment in sets { apply(assignment, to: &tree, issues: &issues) }
        if !issues.isEmpty { throw InputErrors(issues: issues) }
        // Two forms of one quantity in the --set list is an error, like two in one file.
        var setKeys: [String: [String]] = [:]
        for assignment in sets {
            let key = String(assignment.prefix { $0 != "=" })
            let parts = key.split(separator: ".").map(String.init)
            if parts.count >= 2 { setKeys[parts.dropLast().joined(separator: "."), default: []].append(parts.last!) }
        }
        for (parent, keys) in setKeys.sorted(by: { $0.key < $1.key }) {
            if let forms = Overrides.mixedForms(String(parent.split(separator: ".").last ?? ""), keys) {
                issues.append(InputIssue(location: .commandLine("--set"), key: parent,
                                         message: "two forms of one quantity: \(forms.map { $0.filter(keys.contains).joined(separator: " and ") }.joined(separator: ", and "))",
                                         hint: "give one form; a later form replaces an inherited one"))
            }
        }
        if !issues.isEmpty { throw InputErrors(issues: issues) }
        var scenario = try ScenarioDecoder.decode(tree)
        scenario.notes = notes
        scenario.marks = Overrides.marks(tree)
        return (scenario, tree)
    }

    /// The merged tree of a sweep's base scenario: `reference` is a bundled name or a path,
    /// relative paths taken from the folder of the file `location` is in.
    public static func baseTree(_ reference: String, at location: SourceLocation) throws(InputErrors) -> YNode {
        var notes: [String] = []
        return try baseTree(reference, at: location, notes: &notes)
    }

    /// The same, saying in `notes` which file or bundled scenario each `extends:` (and a bare
    /// `base:` name) used.
    public static func baseTree(_ reference: String, at location: SourceLocation, notes: inout [String]) throws(InputErrors) -> YNode {
        var issues: [InputIssue] = []
        guard let tree = resolve(reference, from: location, chain: [], issues: &issues, notes: &notes) else { throw InputErrors(issues: issues) }
        return tree
    }

    /// `tree` with values set at dotted keys (each node keeps its own location, so a problem is
    /// reported where the value was written), then decoded.
    public static func decode(_ tree: YNode, setting values: [(key: String, node: YNode)]) throws(InputErrors) -> (scenario: Scenario, tree: YNode) {
        var tree = tree
        var issues: [InputIssue] = []
        for (key, node) in values {
            switch KeyPath.parse(key) {
            case let .failure(error):
                issues.append(InputIssue(location: node.location, key: key, message: error.reason, hint: keyPathHint))
            case let .success(path):
                tree = Overrides.droppingForms(replacedBy: path, in: tree)
                if let error = tree.set(path, to: node) {
                    issues.append(InputIssue(location: node.location, key: key, message: error.reason, hint: keyPathHint))
                }
            }
        }
        if !issues.isEmpty { throw InputErrors(issues: issues) }
        return (try ScenarioDecoder.decode(tree), tree)
    }

    /// The label bundled scenarios carry in messages: not a path, since they live in the binary.
    public static func bundledLabel(_ name: String) -> String { "[bundled] \(name).yaml" }

    /// Reads one file or bundled scenario and merges it over its `extends:` base. A bare name in
    /// `extends:` is a file `NAME.yaml` (or `.yml`) next to the extending file when there is one,
    /// the bundled scenario otherwise; `notes` says which was used.
    static func resolve(_ reference: String, from parent: SourceLocation?, chain: [String], issues: inout [InputIssue], notes: inout [String]) -> YNode? {
        let (text, file): (String, String)
        let looksLikePath = reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") || reference.contains("/")
        if !looksLikePath, let parent, parent.line > 0, !parent.file.hasPrefix("[bundled]"), !reference.isEmpty {
            let folder = URL(fileURLWithPath: parent.file).deletingLastPathComponent()
            for ext in ["yaml", "yml"] {
                let local = folder.appendingPathComponent("\(reference).\(ext)").standardizedFileURL
                if FileManager.default.fileExists(atPath: local.path), !chain.contains(local.path) {
                    notes.append("extends: \(reference): using \(local.path), the file next to \(parent.file)\(bundledText(reference) != nil ? ", not the bundled scenario of that name" : "")")
                    return resolve(local.path, from: parent, chain: chain, issues: &issues, notes: &notes)
                }
            }
            if bundledText(reference) != nil { notes.append("extends: \(reference): using the bundled scenario (`woundsim show \(reference)` prints it)") }
        }
        if looksLikePath {
            var path = reference
            if let parent, !reference.hasPrefix("/"), parent.line > 0 {
                path = URL(fileURLWithPath: parent.file).deletingLastPathComponent().appendingPathComponent(reference).standardizedFileURL.path
            } else if parent != nil || reference.hasPrefix(".") {
                path = URL(fileURLWithPath: reference).standardizedFileURL.path
            }
            // Only regular files of modest size: `extends: /dev/zero` must not hang or exhaust memory.
            if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
                let type = attributes[.type] as? FileAttributeType
                let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
                if type != .typeRegular || size > 4 << 20 {
                    issues.append(InputIssue(location: parent ?? .commandLine(reference), key: parent == nil ? "" : "extends",
                                                message: type != .typeRegular ? "\"\(reference)\" is not a regular file" : "\"\(reference)\" is larger than 4 MB",
                                                hint: "give a scenario YAML file"))
                    return nil
                }
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                issues.append(InputIssue(location: parent ?? .commandLine(reference), key: parent == nil ? "" : "extends",
                                            message: "cannot read \"\(reference)\"", hint: "give a scenario file path or one of: \(bundledNames.joined(separator: ", "))"))
                return nil
            }
            guard let s = String(data: data, encoding: .utf8) else {
                issues.append(InputIssue(location: SourceLocation(file: path, line: 1, column: 1), key: "", message: "is not UTF-8 text", hint: "give a YAML scenario file"))
                return nil
            }
            (text, file) = (s, path)
        } else if let s = bundledText(reference) {
            (text, file) = (s, bundledLabel(reference))
        } else {
            let close = bundledNames.min { editDistance($0, reference) < editDistance($1, reference) }
            issues.append(InputIssue(location: parent ?? .commandLine(reference), key: parent == nil ? "" : "extends",
                                        message: "no scenario file or bundled scenario named \"\(reference)\"",
                                        hint: close.map { "did you mean `\($0)`? Bundled: \(bundledNames.joined(separator: ", "))" } ?? ""))
            return nil
        }
        if chain.contains(file) {
            issues.append(InputIssue(location: parent ?? .commandLine(reference), key: "extends",
                                        message: "extends form a cycle: \((chain + [file]).joined(separator: " -> "))", hint: "remove one of the extends"))
            return nil
        }
        guard let node = YNode.parse(text, file: file, issues: &issues) else { return nil }
        guard case let .map(entries) = node.value else {
            issues.append(InputIssue(location: node.location, key: "", message: "must be a mapping of keys (name:, lattice:, ...), not \(node.kindName)",
                                        hint: "start the file with `name: my-scenario`"))
            return nil
        }
        guard let ext = entries.first(where: { $0.key == "extends" }) else { return node }
        guard case let .scalar(base, _) = ext.value.value else {
            issues.append(InputIssue(location: ext.value.location, key: "extends", message: "must name one scenario", hint: "a bundled name or a file path"))
            return nil
        }
        guard let baseTree = resolve(base, from: ext.value.location, chain: chain + [file], issues: &issues, notes: &notes) else { return nil }
        var mine = node
        mine.value = .map(entries.filter { $0.key != "extends" })
        return mine.merged(over: Overrides.droppingReplacedForms(baseTree, by: mine))
    }

    /// Applies one `KEY=VALUE` (dotted key, YAML value).
    static func apply(_ assignment: String, to tree: inout YNode, issues: inout [InputIssue]) {
        let location = SourceLocation.commandLine("--set \(assignment)")
        // The first `=` outside brackets: a list-entry selector (`responses[factor=EGF]`) has its own.
        var depth = 0
        let eqIndex = assignment.indices.first { i in
            switch assignment[i] {
            case "[": depth += 1
            case "]": depth -= 1
            case "=": return depth == 0
            default: break
            }
            return false
        }
        guard let eq = eqIndex else {
            issues.append(InputIssue(location: location, key: "", message: "needs the form KEY=VALUE", hint: "for example --set factors.EGF.decay=\"0.5 /h\""))
            return
        }
        let key = String(assignment[..<eq]).trimmingCharacters(in: .whitespaces)
        let valueText = String(assignment[assignment.index(after: eq)...])
        let path: KeyPath
        switch KeyPath.parse(key) {
        case let .success(p): path = p
        case let .failure(error):
            issues.append(InputIssue(location: location, key: key, message: key.isEmpty ? "is not a dotted key path" : error.reason,
                                     hint: keyPathHint))
            return
        }
        var parseIssues: [InputIssue] = []
        let value: YNode
        if valueText.trimmingCharacters(in: .whitespaces).isEmpty {
            value = YNode(.null, location)
        } else if let v = YNode.parse(valueText, file: location.file, issues: &parseIssues) {
            value = relocate(v, to: location)
        } else {
            issues.append(InputIssue(location: location, key: key, message: "the value is not valid YAML", hint: "quote it: --set \(key)='\"...\"'"))
            return
        }
        tree = Overrides.droppingForms(replacedBy: path, in: tree)
        if let error = tree.set(path, to: value) {
            issues.append(InputIssue(location: location, key: key, message: error.reason, hint: keyPathHint))
        }
    }

    static let keyPathHint = "a dotted key such as cells.keratinocyte.density; list entries as responses[0] or responses[behaviour=migration,factor=EGF]"

    /// Where the value at a dotted key path (`cells.keratinocyte.migration.lag`, list indices as
    /// `responses[0]`) came from; the nearest existing ancestor when the key itself is absent.
    public static func locate(_ key: String, in tree: YNode) -> SourceLocation {
        guard case let .success(path) = KeyPath.parse(key) else { return tree.location }
        var node = tree
        for c in path.components {
            guard let child = node[c.key] else { break }
            node = child
            if let selector = c.selector {
                guard case let .success(k) = node.entryIndex(selector, key: c.key), case let .list(items) = node.value else { break }
                node = items[k]
            }
        }
        return node.location
    }

    /// A model-level error (raised when the world is built) as an issue with the file, line and
    /// key of the value it concerns.
    public static func issue(for error: Error, in tree: YNode) -> InputIssue {
        // Errors read "key.path: message", possibly nested ("cells: cells.fibroblast.x: ...").
        var text = "\(error)"
        var key = ""
        while let colon = text.range(of: ": "), !text[..<colon.lowerBound].contains(" ") {
            key = String(text[..<colon.lowerBound])
            text = String(text[colon.upperBound...])
        }
        return InputIssue(location: locate(key, in: tree), key: key, message: text, hint: "")
    }

    static func relocate(_ node: YNode, to location: SourceLocation) -> YNode {
        switch node.value {
        case .scalar, .null: return YNode(node.value, location)
        case let .list(items): return YNode(.list(items.map { relocate($0, to: location) }), location)
        case let .map(entries):
            return YNode(.map(entries.map { YEntry(key: $0.key, keyLocation: location, value: relocate($0.value, to: location)) }), location)
        }
    }
}
