import Foundation

/// Physical quantities written with units, converted to woundsim's internal units.
///
/// Internal units: micrometre (um), minute (min), ng/mL for concentrations, pascal (Pa) for stresses and moduli. A scenario writes
/// every dimensional value as text with its unit (`"60 um^2/s"`, `"45 min"`, `"0.92 /h"`,
/// `"10 ng/mL"`, `"1.2 nM"`); the parser checks the dimension against what the key expects and
/// never assumes a unit.
///
/// Grammar: `NUMBER UNIT`, where `UNIT` is a product of atoms, each with an optional integer
/// exponent (`um^2`, `um2`, `um²`), joined by spaces, `*` or `.`, with at most one `/`
/// (`ng/mL`, `um^2/s`, `/h`, `1/h`, `per h`).
public enum QuantityKind: String, Sendable, CaseIterable {
    case length, time, speed, diffusivity, rate, concentration, concentrationRate, sensitivity, molarMass, dimensionless, volume, area, pressure

    /// What a user should write, for error messages.
    public var example: String {
        switch self {
        case .length: return "\"20 um\""
        case .time: return "\"45 min\""
        case .speed: return "\"60 um/h\""
        case .diffusivity: return "\"60 um^2/s\""
        case .rate: return "\"0.92 /h\""
        case .concentration: return "\"10 ng/mL\""
        case .concentrationRate: return "\"0.5 ng/mL/h\""
        case .sensitivity: return "\"2 mL/ng\""
        case .molarMass: return "\"6.2 kDa\""
        case .dimensionless: return "\"2.5\""
        case .volume: return "\"0.5 mL\""
        case .area: return "\"1.9 cm^2\""
        case .pressure: return "\"18 kPa\""
        }
    }

    /// The internal unit a value of this kind is converted to.
    public var internalUnit: String {
        switch self {
        case .length: return "um"
        case .time: return "min"
        case .speed: return "um/min"
        case .diffusivity: return "um^2/min"
        case .rate: return "1/min"
        case .concentration: return "ng/mL"
        case .concentrationRate: return "ng/mL/min"
        case .sensitivity: return "mL/ng"
        case .molarMass: return "g/mol"
        case .dimensionless: return ""
        case .volume: return "um^3"
        case .area: return "um^2"
        case .pressure: return "Pa"
        }
    }

    var dimension: Dimension {
        switch self {
        case .length: return Dimension(length: 1)
        case .time: return Dimension(time: 1)
        case .speed: return Dimension(length: 1, time: -1)
        case .diffusivity: return Dimension(length: 2, time: -1)
        case .rate: return Dimension(time: -1)
        case .concentration: return Dimension(length: -3, mass: 1)
        case .concentrationRate: return Dimension(length: -3, time: -1, mass: 1)
        case .sensitivity: return Dimension(length: 3, mass: -1)
        case .molarMass: return Dimension(mass: 1, amount: -1)
        case .dimensionless: return Dimension()
        case .volume: return Dimension(length: 3)
        case .area: return Dimension(length: 2)
        case .pressure: return Dimension(length: -1, time: -2, mass: 1)
        }
    }

    /// Multiplier from base units (um, min, ng, nmol) to the internal unit of this kind, as an
    /// exact ratio of whole numbers (see `Units.parse`).
    var fromBase: (num: Double, den: Double) {
        switch self {
        case .concentration, .concentrationRate: return (1e12, 1)  // ng/um^3 -> ng/mL
        case .sensitivity: return (1, 1e12)                        // um^3/ng -> mL/ng
        case .pressure: return (1, 3.6e9)                          // ng/(um min^2) -> Pa
        default: return (1, 1)
        }
    }
}

/// Exponents of length, time, mass and amount of substance.
struct Dimension: Equatable, Sendable {
    var length = 0, time = 0, mass = 0, amount = 0

    static func + (a: Dimension, b: Dimension) -> Dimension {
        Dimension(length: a.length + b.length, time: a.time + b.time, mass: a.mass + b.mass, amount: a.amount + b.amount)
    }
    static func * (a: Dimension, k: Int) -> Dimension {
        Dimension(length: a.length * k, time: a.time * k, mass: a.mass * k, amount: a.amount * k)
    }

    /// A readable name for the dimension, for error messages.
    var name: String {
        for kind in QuantityKind.allCases where kind.dimension == self { return kind.rawValue }
        if self == Dimension(length: -3, amount: 1) { return "molar concentration" }
        if self == Dimension(mass: 1) { return "mass" }
        if self == Dimension(length: 3) { return "volume" }
        if self == Dimension(length: 2) { return "area" }
        var parts: [String] = []
        if length != 0 { parts.append("length^\(length)") }
        if time != 0 { parts.append("time^\(time)") }
        if mass != 0 { parts.append("mass^\(mass)") }
        if amount != 0 { parts.append("amount^\(amount)") }
        return parts.joined(separator: " ")
    }
}

/// A unit text that could not be read, or that has the wrong dimension.
public struct UnitError: Error, Equatable, CustomStringConvertible, Sendable {
    public let text: String
    public let message: String
    public var description: String { "\"\(text)\": \(message)" }
}

public enum Units {
    /// Unit atoms: dimension and scale to the base units um, min, ng, nmol, the scale as a ratio
    /// of whole numbers (num / den), each exact in a Double, so that a unit's overall factor is
    /// formed without rounding where it is a whole number or its inverse.
    static let atoms: [String: (Dimension, (num: Double, den: Double))] = {
        var t: [String: (Dimension, (num: Double, den: Double))] = [:]
        let length = Dimension(length: 1), time = Dimension(time: 1)
        let mass = Dimension(mass: 1), amount = Dimension(amount: 1), volume = Dimension(length: 3)
        let molar = Dimension(length: -3, amount: 1)
        for (names, num, den) in [(["nm"], 1.0, 1e3), (["um", "µm", "μm", "micron", "microns"], 1, 1),
                                  (["mm"], 1e3, 1), (["cm"], 1e4, 1), (["m"], 1e6, 1)] {
            for n in names { t[n] = (length, (num, den)) }
        }
        for (names, num, den) in [(["s", "sec"], 1.0, 60.0), (["min"], 1, 1), (["h", "hr", "hour", "hours"], 60, 1),
                                  (["d", "day", "days"], 1440, 1), (["wk", "week", "weeks"], 10080, 1)] {
            for n in names { t[n] = (time, (num, den)) }
        }
        for (names, num, den) in [(["fg"], 1.0, 1e6), (["pg"], 1, 1e3), (["ng"], 1, 1), (["ug", "µg", "μg"], 1e3, 1),
                                  (["mg"], 1e6, 1), (["g"], 1e9, 1)] {
            for n in names { t[n] = (mass, (num, den)) }
        }
        for (names, num) in [(["nL", "nl"], 1e6), (["uL", "ul", "µL", "μL"], 1e9), (["mL", "ml"], 1e12), (["L", "l"], 1e15)] {
            for n in names { t[n] = (volume, (num, 1)) }
        }
        for (names, num, den) in [(["pmol"], 1.0, 1e3), (["nmol"], 1, 1), (["umol", "µmol"], 1e3, 1), (["mmol"], 1e6, 1), (["mol"], 1e9, 1)] {
            for n in names { t[n] = (amount, (num, den)) }
        }
        // Pressure and stress: 1 Pa = 1 kg/(m s^2) = 1e12 ng / (1e6 um x (1/60 min)^2) = 3.6e9 ng/(um min^2).
        for (names, num) in [(["Pa"], 3.6e9), (["kPa"], 3.6e12), (["MPa"], 3.6e15)] {
            for n in names { t[n] = (Dimension(length: -1, time: -2, mass: 1), (num, 1)) }
        }
        // Molar mass: 1 Da = 1 g/mol = 1 ng/nmol.
        for (names, num) in [(["Da", "g/mol"], 1.0), (["kDa"], 1e3)] {
            for n in names { t[n] = (Dimension(mass: 1, amount: -1), (num, 1)) }
        }
        // Molar concentrations: mol/L and its prefixes, in nmol/um^3 (1 nM = 1e-15 nmol/um^3).
        for (names, den) in [(["pM"], 1e18), (["nM"], 1e15), (["uM", "µM", "μM"], 1e12), (["mM"], 1e9), (["M"], 1e6)] {
            for n in names { t[n] = (molar, (1, den)) }
        }
        return t
    }()

    /// Parses `text` as a quantity of `kind` and returns its value in the kind's internal unit.
    ///
    /// - Parameters:
    ///   - kind: the dimension the caller expects.
    ///   - molarMass: molar mass in g/mol (= ng/nmol); required to convert a molar concentration
    ///     (`"1.2 nM"`) to ng/mL.
    /// - Throws: `UnitError` naming what was expected, for a missing number, a non-finite number,
    ///   an unknown unit, a missing unit or a unit of another dimension.
    public static func parse(_ text: String, as kind: QuantityKind, molarMass: Double? = nil) throws(UnitError) -> Double {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw UnitError(text: text, message: "empty; expected a \(kind.rawValue) such as \(kind.example)")
        }
        // Split the leading number from the unit.
        var numberEnd = trimmed.startIndex
        var seenDigit = false
        var index = trimmed.startIndex
        while index < trimmed.endIndex {
            let c = trimmed[index]
            if c.isNumber { seenDigit = true; numberEnd = trimmed.index(after: index) }
            else if c == "." || c == "+" || c == "-" { }
            else if (c == "e" || c == "E"), seenDigit {
                let next = trimmed.index(after: index)
                if next < trimmed.endIndex, trimmed[next].isNumber || trimmed[next] == "-" || trimmed[next] == "+" { } else { break }
            } else { break }
            index = trimmed.index(after: index)
        }
        let numberText = String(trimmed[trimmed.startIndex..<max(numberEnd, trimmed.startIndex)])
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("nan") || lowered.hasPrefix("inf") || lowered.hasPrefix("-inf") || lowered.hasPrefix("+inf") {
            throw UnitError(text: text, message: "not a finite number; expected a \(kind.rawValue) such as \(kind.example)")
        }
        guard seenDigit, let number = Double(numberText) else {
            throw UnitError(text: text, message: "does not start with a number; expected a \(kind.rawValue) such as \(kind.example)")
        }
        guard number.isFinite else {
            throw UnitError(text: text, message: "the number is too large or not finite; expected a \(kind.rawValue) such as \(kind.example)")
        }
        let unitText = String(trimmed[numberEnd...]).trimmingWhitespace()
        let (dimension, ratio) = try parseUnit(unitText, original: text, kind: kind)
        // The unit's whole factor, with the kind's conversion, as one ratio N / D, applied in one
        // rounding where N / D or D / N is a whole number: a value written in the internal unit
        // (the resolved scenario's "6.083333333333333 ng/mL/min") then reads back bit-exact.
        let to = kind.fromBase
        let n = ratio.num * to.num, d = ratio.den * to.den
        func scaled(_ x: Double) -> Double { n >= d ? x * (n / d) : x / (d / n) }

        if kind == .dimensionless {
            guard dimension == Dimension() else {
                throw UnitError(text: text, message: "is a \(dimension.name), but a plain number is expected here (for example \(kind.example))")
            }
            return scaled(number)
        }
        if unitText.isEmpty {
            throw UnitError(text: text, message: "has no unit; expected a \(kind.rawValue) in a unit such as \(kind.example)")
        }
        var dim = dimension
        var value = scaled(number)
        // A molar concentration becomes a mass concentration through the molar mass.
        let molarToMass = Dimension(amount: 1)
        if dim.amount == 1, kind.dimension.mass == 1, kind.dimension.amount == 0 {
            guard let mw = molarMass, mw > 0, mw.isFinite else {
                throw UnitError(text: text, message: "is a molar concentration; give the factor's molar mass to convert it to ng/mL, or write it in ng/mL")
            }
            dim = Dimension(length: dim.length, time: dim.time, mass: dim.mass + 1, amount: dim.amount - molarToMass.amount)
            value *= mw
        }
        guard dim == kind.dimension else {
            throw UnitError(text: text, message: "is a \(dimension.name), but a \(kind.rawValue) is expected (for example \(kind.example))")
        }
        let result = value
        guard result.isFinite else {
            throw UnitError(text: text, message: "is too large once converted to \(kind.internalUnit)")
        }
        return result
    }

    /// Formats an internal value back as text with the internal unit (`"3600 um^2/min"`).
    public static func format(_ value: Double, as kind: QuantityKind) -> String {
        kind == .dimensionless ? "\(value)" : "\(value) \(kind.internalUnit)"
    }

    private static func parseUnit(_ unit: String, original: String, kind: QuantityKind) throws(UnitError) -> (Dimension, (num: Double, den: Double)) {
        var text = unit
        if text.hasPrefix("per ") { text = "/" + text.dropFirst(4) }
        text = text.replacingAll(" per ", with: "/")
        var dim = Dimension()
        var num = 1.0, den = 1.0
        var sign = 1
        var token = ""
        var tokens: [(String, Int)] = []
        func flush() { if !token.isEmpty { tokens.append((token, sign)); token = "" } }
        for c in text {
            switch c {
            case "/":
                flush()
                if sign == -1 {
                    // a second "/" (ng/mL/h): everything after also divides
                }
                sign = -1
            case " ", "*", "·":
                flush()
            default:
                token.append(c)
            }
        }
        flush()
        for (raw, s) in tokens {
            // Split an exponent: um^2, um2, um², s^-1.
            var name = raw
            var exponent = 1
            if let caret = raw.firstIndex(of: "^") {
                name = String(raw[..<caret])
                // A bounded exponent: no unit needs more, and pow loops |e| times (Int.min has no abs).
                guard let e = Int(raw[raw.index(after: caret)...]), (-12...12).contains(e) else {
                    throw UnitError(text: original, message: "bad exponent in \"\(raw)\" (a whole number from -12 to 12)")
                }
                exponent = e
            } else if raw.hasSuffix("²") {
                name = String(raw.dropLast()); exponent = 2
            } else if raw.hasSuffix("³") {
                name = String(raw.dropLast()); exponent = 3
            } else if let last = raw.last, last.isNumber, raw.count > 1, raw.first?.isLetter == true {
                name = String(raw.dropLast()); exponent = Int(String(last)) ?? 1
            }
            if name == "1" && exponent == 1 { continue }
            guard let (d, k) = atoms[name] else {
                let suggestion = closestAtom(to: name).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw UnitError(text: original, message: "unknown unit \"\(name)\"\(suggestion); expected a \(kind.rawValue) such as \(kind.example)")
            }
            let power = exponent * s
            dim = dim + d * power
            if power >= 0 { num *= pow(k.num, power); den *= pow(k.den, power) } else { num *= pow(k.den, -power); den *= pow(k.num, -power) }
        }
        return (dim, (num, den))
    }

    private static func closestAtom(to name: String) -> String? {
        var best: (String, Int)? = nil
        for candidate in atoms.keys {
            let d = editDistance(name.lowercased(), candidate.lowercased())
            if d <= 2, best == nil || d < best!.1 || (d == best!.1 && candidate < best!.0) { best = (candidate, d) }
        }
        return best?.0
    }

    private static func pow(_ base: Double, _ exponent: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(exponent) { r *= base }
        return exponent < 0 ? 1 / r : r
    }
}

/// Edit distance between two strings (insertions, deletions, substitutions and swaps of
/// neighbouring letters), for "did you mean" hints.
public func editDistance(_ a: String, _ b: String) -> Int {
    // Optimal string alignment (Damerau-Levenshtein without repeated edits of one substring):
    // a swap of two neighbouring letters costs 1, so "HFG" is nearer "HGF" than "bFGF".
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var before = [Int](repeating: 0, count: y.count + 1)
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { current[j] = min(current[j], before[j - 2] + 1) }
        }
        (before, previous, current) = (previous, current, before)
    }
    return previous[y.count]
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
