import Foundation

/// A JSON value with deterministic output (sorted keys, shortest round-trip numbers).
public indirect enum JSONValue: Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public var data: Data { Data((render(indent: 0) + "\n").utf8) }
    /// On one line (for history files).
    public var compactData: Data { Data(render(indent: 0).replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "  ", with: "").utf8) }

    func render(indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent + 1), close = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .number(x):
            guard x.isFinite else { return "null" }
            return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
        case let .string(s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default: out += u.value < 0x20 ? String(format: "\\u%04x", u.value) : String(u)
                }
            }
            return out + "\""
        case let .array(items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n\(close)]"
        case let .object(map):
            if map.isEmpty { return "{}" }
            return "{\n" + map.keys.sorted().map { pad + JSONValue.string($0).render(indent: 0) + ": " + map[$0]!.render(indent: indent + 1) }.joined(separator: ",\n") + "\n\(close)}"
        }
    }
}
